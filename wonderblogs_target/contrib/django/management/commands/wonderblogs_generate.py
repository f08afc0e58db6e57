"""``manage.py wonderblogs_generate "TOPIC"``: a post on TOPIC from the v1 API,
saved into the app's store (with Wagtail, as a page revision). As
``wonderblogs-target generate``, exit codes included (0 stored, 1 failed or
skipped, 2 usage, 3 still running at ``--timeout``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from .....runs import Outcome, Progress, generate
from ...v1_commands import V1Command


class Command(V1Command):
    help = "Write a post on a topic with the Wonderblogs v1 API and save it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("topic")
        parser.add_argument("--language", help="en, de, fr, es, it, pt or nl")
        parser.add_argument("--no-wait", action="store_true", help="start the run only")
        super().add_arguments(parser)

    def act(self, client: Any, store: Any, progress: Progress | None, **options: Any) -> Outcome:
        return generate(
            client,
            store,
            options["topic"],
            language=options["language"],
            wait=not options["no_wait"],
            timeout=options["timeout"],
            progress=progress,
            resume=options["resume"],
        )
