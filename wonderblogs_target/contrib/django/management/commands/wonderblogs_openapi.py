"""``manage.py wonderblogs_openapi``: the OpenAPI document of this project's
endpoint, at the path where the URLconf serves it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import NoReverseMatch, reverse

from .....cli import dump_document
from .....openapi import DEFAULT_PATH, SUPPORTED_VERSIONS, generate_openapi_spec


class Command(BaseCommand):
    help = "Write the OpenAPI document of the Wonderblogs endpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--openapi-version", choices=[*SUPPORTED_VERSIONS, "3.0", "3.1"], default="3.0.3"
        )
        parser.add_argument("--format", choices=("json", "yaml"), default="json")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = reverse("wonderblogs:endpoint").rstrip("/") or "/"
        except NoReverseMatch:
            path = DEFAULT_PATH
        document = generate_openapi_spec(version=options["openapi_version"], path=path)
        text = dump_document(document, options["format"])
        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as exc:
                raise CommandError(
                    f"cannot write {options['output']}: {exc.strerror or exc}", returncode=2
                ) from None
        else:
            self.stdout.write(text, ending="")
