"""``manage.py wonderblogs_prune``: keep the app's tables bounded.

It removes the delivery log's rows older than ``WONDERBLOGS["DELIVERY_LOG_DAYS"]``
(a delivery whose article waits to be applied again stays),
the revisions beyond ``WONDERBLOGS["REVISIONS"]`` that a larger setting left,
and the test articles of ``wonderblogs_check --publish`` (and
``wonderblogs-target check --publish``) with their revisions (and, with
Wagtail, their pages); a test article a person changed since is left, and
said. ``--dry-run`` says what would go. Run it from a scheduler (cron, a
systemd timer) as often as you like.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from .....stores import prune
from ...conf import wonderblogs_setting
from ...views import configured_store


class Command(BaseCommand):
    help = "Remove the test articles of wonderblogs_check --publish from the app's store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would go")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        days = int(wonderblogs_setting("DELIVERY_LOG_DAYS"))
        pruned = prune(configured_store(), dry_run=dry_run, delivery_days=days)
        self.stdout.write(pruned.to_text(dry_run=dry_run))
