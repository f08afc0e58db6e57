"""``manage.py wonderblogs_deliveries list|apply ID|jobs``: the failed deliveries
whose article the app kept, and applying one again through the endpoint's own
store (the Wagtail store, when ``WAGTAIL`` is set), as the admin's "Apply
again" does; and the deferred jobs, with ``jobs --again ID`` to run a failed
one again. For sites without the Django admin, and for scripts.

Exit status: 0 listed or stored; 1 the store failed again (the article is kept
anew); 2 no such delivery, nothing kept, applied already, or no such failed job.
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
        jobs = actions.add_parser("jobs", help="the deferred jobs, newest first")
        jobs.add_argument("--failed", action="store_true", help="only those that failed")
        jobs.add_argument("--json", action="store_true", help="one JSON object per line")
        jobs.add_argument("--again", metavar="ID", help="run failed job ID again")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "jobs":
            self._jobs(options)
            return
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

    def _jobs(self, options: dict[str, Any]) -> None:
        from .....stores._jobs import FAILED
        from ...tasks import job_queue

        queue = job_queue()
        if options["again"] is not None:
            if not queue.again(options["again"]):
                raise CommandError(f"no failed job {options['again']!r}", returncode=2)
            self.stdout.write(f"job {options['again']} handed to the task worker")
            return
        found = queue.jobs(states=(FAILED,) if options["failed"] else ())
        for job in found:
            self.stdout.write(json.dumps(job.to_record()) if options["json"] else job.to_text())
        if not found and not options["json"]:
            self.stdout.write("no failed jobs" if options["failed"] else "no deferred jobs")
