"""``manage.py wonderblogs_run RUN_ID``: save the post of a run started with
``--no-wait`` or cut off by ``--timeout``. Exit codes as
``wonderblogs_generate``'s."""

from __future__ import annotations

from typing import Any, get_args

from django.core.management.base import CommandParser

from .....runs import DEFAULT_LOCALE, Outcome, Progress, store_run
from .....v1 import Language
from ...v1_commands import V1Command


class Command(V1Command):
    help = "Save the post of a Wonderblogs v1 run started earlier."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_id")
        parser.add_argument("--language", choices=get_args(Language), help="the post's locale")
        super().add_arguments(parser)

    def act(self, client: Any, store: Any, progress: Progress | None, **options: Any) -> Outcome:
        return store_run(
            client,
            store,
            options["run_id"],
            locale=options["language"] or DEFAULT_LOCALE,
            timeout=options["timeout"],
            progress=progress,
            resume=options["resume"],
        )
