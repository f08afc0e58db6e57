"""``manage.py wonderblogs_rewrite SLUG``: the stored article rewritten by the
v1 API, saved as its next revision (with Wagtail, a page revision). Exit codes
as ``wonderblogs_generate``'s."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from .....runs import Outcome, Progress, rewrite
from ...v1_commands import V1Command


class Command(V1Command):
    help = "Rewrite a stored article with the Wonderblogs v1 API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--locale", default="en")
        parser.add_argument("--topic")
        parser.add_argument("--research", action="store_true")
        super().add_arguments(parser)

    def act(self, client: Any, store: Any, progress: Progress | None, **options: Any) -> Outcome:
        return rewrite(
            client,
            store,
            options["slug"],
            locale=options["locale"],
            topic=options["topic"],
            research=options["research"],
            timeout=options["timeout"],
            progress=progress,
            resume=options["resume"],
        )
