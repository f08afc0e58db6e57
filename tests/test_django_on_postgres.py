"""The Django app's tests again, with PostgreSQL as the project's default
database: a child pytest run against this session's PostgreSQL server. (The
store suite already runs DjangoStore on both databases in this process.)"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg

from harness.servers import ROOT
from tests import postgres


def test_the_app_tests_pass_on_postgresql(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE wb_django_default")
    env = {
        **os.environ,
        "WONDERBLOGS_TEST_DATABASE": "postgres",
        "WONDERBLOGS_TEST_PG_PORT": str(postgres.PORT),
    }
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "tests/test_django_app.py", "tests/test_contract.py",
            "-k", "django and not startproject",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-5_000:] + result.stderr[-2_000:]
    summary = result.stdout.splitlines()[-1]
    assert " passed" in summary
    assert int(summary.split()[0]) > 100  # the app's tests and the contract suite on the app
    assert "failed" not in summary
