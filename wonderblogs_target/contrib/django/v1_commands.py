"""What the five v1 management commands share (``wonderblogs_generate``,
``wonderblogs_rewrite``, ``wonderblogs_translate``, ``wonderblogs_cover``,
``wonderblogs_run``): the key and address from ``WONDERBLOGS["V1_API_KEY"]``
and ``["V1_BASE_URL"]`` (or ``--wonderblogs-key``/``--wonderblogs-url``, or
the environment, as the command line takes them), the endpoint's own store
(the Wagtail store when ``WAGTAIL`` is set, so a post becomes a page revision),
and the exit codes of `wonderblogs_target.runs`. The work itself is
`wonderblogs_target.runs`, the same as ``wonderblogs-target``'s."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...runs import EXIT_STORED, Outcome, Progress
from ...v1 import DEFAULT_RUN_TIMEOUT
from .conf import wonderblogs_setting

__all__ = ["V1Command"]


class V1Command(BaseCommand):
    """A v1 command: subclasses add their arguments and say what to run."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_RUN_TIMEOUT,
            help="seconds to wait (default: %(default)g)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--wonderblogs-key", help='default: WONDERBLOGS["V1_API_KEY"]')
        parser.add_argument("--wonderblogs-url", help='default: WONDERBLOGS["V1_BASE_URL"]')

    def act(self, client: Any, store: Any, progress: Progress | None, **options: Any) -> Outcome:
        raise NotImplementedError  # pragma: no cover

    def resume(self, run_id: str, options: dict[str, Any]) -> str:
        """The command that picks run ``run_id`` up again."""
        language = options.get("language") or options.get("to")
        return f"manage.py wonderblogs_run {run_id}" + (
            f" --language {language}" if language else ""
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from ...client import DEFAULT_BASE_URL, WonderblogsClient
        from .views import target

        key = (
            options["wonderblogs_key"]
            or wonderblogs_setting("V1_API_KEY")
            or os.environ.get("WONDERBLOGS_V1_API_KEY")
        )
        if not key:
            raise CommandError(
                'no v1 API key: set WONDERBLOGS["V1_API_KEY"] or pass --wonderblogs-key',
                returncode=2,
            )
        if not options["timeout"] > 0:
            raise CommandError("--timeout must be a positive number of seconds", returncode=2)
        base = (
            options["wonderblogs_url"]
            or wonderblogs_setting("V1_BASE_URL")
            or os.environ.get("WONDERBLOGS_V1_BASE_URL")
            or DEFAULT_BASE_URL
        )
        progress = None if options["json"] else Progress(sys.stderr, tty=sys.stderr.isatty())
        resume: Callable[[str], str] = lambda run_id: self.resume(run_id, options)  # noqa: E731
        with WonderblogsClient(key, base_url=base) as client:
            outcome = self.act(client, target().store, progress, **{**options, "resume": resume})
        if options["json"]:
            self.stdout.write(outcome.to_json())
        elif outcome.exit_code == EXIT_STORED:
            self.stdout.write(outcome.to_text())
        if outcome.exit_code != EXIT_STORED:
            raise CommandError(outcome.to_text(), returncode=outcome.exit_code)
