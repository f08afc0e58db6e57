"""``manage.py wonderblogs_check``: check the endpoint as Wonderblogs would.

In process by default (no server needed), or a deployed site with ``--url``.
Exit status: 0 ready, 1 a check failed, 2 a usage or connection error, as
``wonderblogs-target check``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import NoReverseMatch, reverse

from ....._keys import first_key
from .....check import run_checks, url_problem
from .....testing import check_app
from ...conf import wonderblogs_setting


def _unmigrated() -> list[str]:
    """The package's migrations not yet applied to the default database: run
    in process, the checks would meet missing tables, not a helpful error."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [
        f"{migration.app_label}.{migration.name}"
        for migration, _ in plan
        if migration.app_label.startswith("wonderblogs")
    ]


def _host() -> str:
    """A host name the project accepts, so the request is not refused as foreign."""
    for host in settings.ALLOWED_HOSTS:
        if host and host != "*" and not host.startswith("."):
            return str(host)
    return "localhost"


class Command(BaseCommand):
    help = "Check the Wonderblogs endpoint of this project as Wonderblogs would use it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", help="check a deployed endpoint instead of this process")
        parser.add_argument("--key", help="the key to use (default: WONDERBLOGS['API_KEY'])")
        parser.add_argument("--publish", action="store_true", help="also POST a test article")
        parser.add_argument("--rewrite", action="store_true", help="also POST its rewrite")
        parser.add_argument("--json", action="store_true", help="machine-readable report")

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["key"] or first_key(wonderblogs_setting("API_KEY"))
        if not key:
            raise CommandError('WONDERBLOGS["API_KEY"] is not set: the checks use it', returncode=2)
        publish, rewrite = options["publish"], options["rewrite"]
        if options["url"]:
            problem = url_problem(options["url"])
            if problem is not None:
                raise CommandError(problem, returncode=2)
            report = run_checks(options["url"], key, publish=publish, rewrite=rewrite)
        else:
            from django.core.wsgi import get_wsgi_application

            missing = _unmigrated()
            if missing:
                raise CommandError(
                    f"the database has no tables for the app yet ({len(missing)} migration(s) "
                    f"to apply, {missing[0]} first): run python manage.py migrate, then this",
                    returncode=2,
                )

            try:
                path = reverse("wonderblogs:endpoint")
            except NoReverseMatch:
                raise CommandError(
                    "the endpoint is not in the URLconf (see the wonderblogs.W002 check)",
                    returncode=2,
                ) from None
            scheme = "https" if settings.SECURE_SSL_REDIRECT else "http"
            report = check_app(
                get_wsgi_application(),
                path=path,
                api_key=key,
                publish=publish,
                rewrite=rewrite,
                base_url=f"{scheme}://{_host()}",
            )
        self.stdout.write(report.to_json() if options["json"] else report.to_text())
        raise SystemExit(report.exit_code)
