"""``manage.py wonderblogs_cover SLUG``: a cover image from the v1 API for the
stored article (with Wagtail, downloaded into an image, with the same limits
and checks as a delivery's cover). Exit codes as ``wonderblogs_generate``'s."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from .....runs import Outcome, Progress, cover
from ...v1_commands import V1Command


class Command(V1Command):
    help = "Give a stored article a cover image from the Wonderblogs v1 API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--locale", default="en")
        super().add_arguments(parser)

    def act(self, client: Any, store: Any, progress: Progress | None, **options: Any) -> Outcome:
        return cover(
            client,
            store,
            options["slug"],
            locale=options["locale"],
            timeout=options["timeout"],
            progress=progress,
        )
