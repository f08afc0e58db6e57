"""Deferred covers on Django's tasks framework, with the real task backend
(django-tasks-db) and its real worker process (``manage.py db_worker``): the
answer comes before the cover, a worker killed mid-download loses nothing,
the cover is attached once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from tests.wagtail.test_pages import post, posts
from wonderblogs_target.testing import PNG_PIXEL


@pytest.fixture
def deferring() -> Iterator[None]:
    with override_settings(**settings.DEFERRED):
        yield


@contextmanager
def db_worker() -> Iterator[subprocess.Popen[bytes]]:
    """``django-admin db_worker`` on the Wagtail project's database file."""
    from harness.servers import ROOT

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.wagtail_project.settings",
        "WONDERBLOGS_TEST_DATA": str(settings.DATA),
        "WONDERBLOGS_TEST_DEFERRED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "db_worker", "--interval", "0.1", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)
    return found


def test_a_deferred_cover_survives_a_killed_worker_and_is_attached_once(blog, images, deferring):
    from wagtail.images import get_image_model

    from tests.image_server import HELD, seen
    from wonderblogs_target.contrib.django.models import DeferredJob, Delivery

    HELD.clear()  # the first download hangs until its worker is killed
    try:
        answer = post(coverImageUrl=f"{images}/held.png")
        assert answer.status_code == 200  # before any download
        [page] = posts()
        assert page.get_latest_revision_as_object().cover is None
        assert "after the answer" in Delivery.objects.filter(outcome="accepted").first().note
        [job] = DeferredJob.objects.all()
        assert (job.kind, job.subject, job.state) == (
            "cover",
            str(page.wonderblogs_import.article_id),
            "pending",
        )
        with db_worker() as first:
            wait_for(lambda: "/held.png" in [p for p, _ in seen(images)], "the first download")
            first.kill()  # mid-download
            first.wait(timeout=30)
        HELD.set()
        with db_worker():
            wait_for(
                lambda: DeferredJob.objects.get(pk=job.pk).state == "done",
                "the job, taken again once the killed worker's lease ran out",
            )
        assert [p for p, _ in seen(images)].count("/held.png") == 2
    finally:
        HELD.clear()
    job.refresh_from_db()
    assert job.attempts == 2
    assert job.message.startswith("cover attached to page")
    [image] = get_image_model().objects.all()
    assert image.file.read() == PNG_PIXEL
    page.refresh_from_db()
    assert page.get_latest_revision_as_object().cover == image
    assert page.revisions.count() == 2  # the import's, and the cover's
    assert page.live is False  # PUBLISH is False: the cover's revision is a draft too


def test_a_deferred_cover_that_keeps_failing_is_marked_failed_with_its_error(
    blog, images, deferring
):
    from wonderblogs_target.contrib.django.models import DeferredJob

    assert post(coverImageUrl=f"{images}/missing.png").status_code == 200
    with db_worker():
        job = wait_for(
            lambda: DeferredJob.objects.filter(state="failed").first(),
            "three attempts, half a second apart",
        )
    assert job.attempts == 3
    assert "404" in job.message
    [page] = posts()
    assert page.get_latest_revision_as_object().cover is None
