"""``manage.py wonderblogs_prune``: remove the test articles of ``wonderblogs_check
--publish`` (and ``wonderblogs-target check --publish``) from the app's store.

The articles go with their revisions (and, with Wagtail, their pages); one a
person changed since is left, and said. ``--dry-run`` says what would go.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from .....stores import prune_check_articles
from ...views import _store


class Command(BaseCommand):
    help = "Remove the test articles of wonderblogs_check --publish from the app's store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would go")

    def handle(self, *args: Any, **options: Any) -> None:
        pruned = prune_check_articles(_store(), dry_run=options["dry_run"])
        self.stdout.write(pruned.to_text(dry_run=options["dry_run"]))
