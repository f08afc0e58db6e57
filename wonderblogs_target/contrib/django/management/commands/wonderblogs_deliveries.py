"""``manage.py wonderblogs_deliveries list|apply ID``: the failed deliveries whose
article the app kept, and applying one again through the endpoint's own store
(the Wagtail store, when ``WAGTAIL`` is set), as the admin's "Apply again"
does. For sites without the Django admin, and for scripts.

Exit status: 0 listed or stored; 1 the store failed again (the article is kept
anew); 2 no such delivery, nothing kept, or applied already.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from .....stores import apply_again
from ...views import target


class Command(BaseCommand):
    help = "List the deliveries whose article was kept, or apply one again."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        listing = actions.add_parser("list", help="the kept deliveries, newest first")
        listing.add_argument("--waiting", action="store_true", help="only those not applied")
        listing.add_argument("--json", action="store_true", help="one JSON object per line")
        applying = actions.add_parser("apply", help="store the article a delivery kept")
        applying.add_argument("id", metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        store = target().store
        log = store.delivery_log  # type: ignore[union-attr]
        if options["action"] == "list":
            kept = log.kept(waiting=options["waiting"])
            for delivery in kept:
                record = delivery.to_record()
                self.stdout.write(json.dumps(record) if options["json"] else delivery.to_text())
            if not kept and not options["json"]:
                self.stdout.write("no deliveries kept")
            return
        done = apply_again(store, log, options["id"])  # type: ignore[arg-type]
        if done.stored:
            self.stdout.write(done.message)
            return
        raise CommandError(done.message, returncode=1 if done.failed_again else 2)
