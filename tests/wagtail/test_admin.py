"""The Wagtail app as a site's team meets it: the system checks, and the page
editor in headless Chromium showing an imported article."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

from harness.browser import browse, screenshot
from tests import samples
from tests.helpers import django_live_server


def wagtail_errors(**wagtail: object) -> list[str]:
    merged = {**settings.WONDERBLOGS["WAGTAIL"], **wagtail}
    with override_settings(WONDERBLOGS={**settings.WONDERBLOGS, "WAGTAIL": merged}):
        return [m.msg for m in run_checks() if m.id == "wonderblogs_wagtail.E001"]


def test_the_test_projects_setting_passes_the_checks():
    assert wagtail_errors() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"PAGE_MODEL": "blog.Nothing"}, "'blog.Nothing' is not a page model"),
        ({"PAGE_MODEL": "wonderblogs.Article"}, "is not a page model"),
        ({"PARENT_PAGE": "blog"}, "must be a URL path starting with '/'"),
        ({"PUBLISH": "yes"}, 'PUBLISH"] must be True or False'),
        ({"FIELDS": {"nope": "content"}}, "BlogPage has no field 'nope'"),
        ({"FIELDS": {"body": "summary"}}, "'summary' is not an article field"),
        ({"FIELDS": {"published_on": "content"}}, "published_on is a DateField; supported"),
        ({"FIELDS": {"tags": "content"}}, "'content' cannot go into a tags field"),
        ({"FIELDS": {"body": "tags"}}, "'tags' cannot go into a rich_text field"),
        ({"PARENT": "/blog/"}, "unknown key 'PARENT'"),
    ],
)
def test_a_setting_that_cannot_work_is_a_system_check_error(change, message):
    errors = wagtail_errors(**change)
    assert any(message in error for error in errors), errors


@pytest.fixture
def live_server(wagtail_db: str) -> Iterator[str]:
    with django_live_server() as url:
        yield url


def test_the_page_editor_in_chromium_shows_the_imported_article(
    blog, editor, live_server, tmp_path
):
    from tests.wagtail_project.blog.models import BlogPage

    answer = httpx.post(
        f"{live_server}/api/wonderblogs",
        headers={"Authorization": f"Bearer {settings.WONDERBLOGS_KEY}"},
        json=samples.payload(title="Imported from Wonderblogs", tags=["cloud"]),
    )
    assert answer.status_code == 200
    page = BlogPage.objects.get()
    editor_url = f"{live_server}/test-login/?next=/admin/pages/{page.pk}/edit/"
    dom = browse(editor_url, tmp_path / "p1", "--dump-dom")
    assert "Imported from Wonderblogs" in dom
    assert "Draft" in dom  # Wagtail's status of a page never published
    screenshot(editor_url, tmp_path / "p2", "wagtail-page-editor.png", "1280,1000", 20_000)
