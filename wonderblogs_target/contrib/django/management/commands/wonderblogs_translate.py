"""``manage.py wonderblogs_translate SLUG --to LANG``: the stored article
translated by the v1 API, saved as the same slug in that locale (with Wagtail,
a page in the parent's translation, linked as Wagtail's translation). Exit
codes as ``wonderblogs_generate``'s."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from .....runs import Outcome, Progress, translate
from ...v1_commands import V1Command


class Command(V1Command):
    help = "Translate a stored article with the Wonderblogs v1 API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--to", required=True)
        parser.add_argument("--locale", default="en")
        super().add_arguments(parser)

    def act(self, client: Any, store: Any, progress: Progress | None, **options: Any) -> Outcome:
        return translate(
            client,
            store,
            options["slug"],
            to=options["to"],
            locale=options["locale"],
            timeout=options["timeout"],
            progress=progress,
            resume=options["resume"],
        )
