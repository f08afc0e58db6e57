"""The Wagtail app's tests: a child pytest with the Wagtail project's settings
(``tests/wagtail_project``), since this process runs the Django project's. It
runs the Wagtail tests (``tests/wagtail/``) and the store suite on the
Wagtail store."""

from __future__ import annotations

import os
import subprocess
import sys

from harness.servers import ROOT


def test_the_wagtail_app_tests_pass():
    env = {**os.environ, "WONDERBLOGS_TEST_WAGTAIL": "1"}
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "tests/wagtail", "tests/stores/test_promises.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-8_000:] + result.stderr[-2_000:]
    summary = result.stdout.splitlines()[-1]
    assert " passed" in summary
    assert int(summary.split()[0]) >= 45  # the Wagtail tests and the store suite
    assert "failed" not in summary
    assert "skipped" not in summary
