"""The Django app's tests again, with PostgreSQL as the project's default
database: a child pytest run against this session's PostgreSQL server. (The
store suite already runs DjangoStore on both databases in this process.)"""

from __future__ import annotations

import psycopg

from tests import postgres
from tests.helpers import child_pytest


def test_the_app_tests_pass_on_postgresql(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE wb_django_default")
    passed, _ = child_pytest(
        "tests/test_django_app.py",
        "tests/contract/test_contract.py",
        "-k",
        "django and not startproject",
        env={
            "WONDERBLOGS_TEST_DATABASE": "postgres",
            "WONDERBLOGS_TEST_PG_PORT": str(postgres.PORT),
        },
        measured=False,  # the same code as on SQLite, which the parent measures
    )
    assert passed > 100  # the app's tests and the contract suite on the app
