"""The Wagtail app's tests: a child pytest with the Wagtail project's settings
(``tests/wagtail_project``), since this process runs the Django project's. It
runs the Wagtail tests (``tests/wagtail/``) and the store suite on the
Wagtail store."""

from __future__ import annotations

from tests.helpers import child_pytest

# Two child runs, so that parallel workers can take one each.


def test_the_wagtail_app_tests_pass():
    passed, _ = child_pytest("tests/wagtail", env={"WONDERBLOGS_TEST_WAGTAIL": "1"})
    assert passed >= 30


def test_the_store_suite_passes_on_the_wagtail_store():
    passed, output = child_pytest(
        "tests/stores/test_promises.py",
        env={"WONDERBLOGS_TEST_WAGTAIL": "1"},
        measured=False,  # the Wagtail store's paths are measured by the run above
    )
    assert passed >= 15, output
