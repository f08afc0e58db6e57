"""``manage.py wonderblogs_prune``: keep the app's tables bounded.

It removes the delivery log's rows older than ``WONDERBLOGS["DELIVERY_LOG_DAYS"]``,
the revisions beyond ``WONDERBLOGS["REVISIONS"]`` that a larger setting left,
and the test articles of ``wonderblogs_check --publish`` (and
``wonderblogs-target check --publish``) with their revisions (and, with
Wagtail, their pages); a test article a person changed since is left, and
said. ``--dry-run`` says what would go. Run it from a scheduler (cron, a
systemd timer) as often as you like.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from .....stores import prune
from ...conf import wonderblogs_setting
from ...models import Delivery
from ...views import _store


class Command(BaseCommand):
    help = "Remove the test articles of wonderblogs_check --publish from the app's store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would go")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        days = int(wonderblogs_setting("DELIVERY_LOG_DAYS"))
        store = _store()
        old = Delivery.objects.using(store.using).filter(
            received_at__lt=timezone.now() - timedelta(days=days)
        )
        gone = old.count() if dry_run else old.delete()[0]
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{verb} {gone} delivery log row(s) older than {days} days")
        self.stdout.write(prune(store, dry_run=dry_run).to_text(dry_run=dry_run))
