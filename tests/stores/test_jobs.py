"""The queue suite: every `JobQueue` keeps the deferred-work promises of
``stores/_jobs.py``: one claim per job at a time, a lease that runs out for a
killed worker, retries with backoff, failed jobs that stay.

Each queue is opened on a real database (a SQLite file, a PostgreSQL
server, the Django app's model on both); time moves by a clock the test
holds, except where a real process is killed, where a real lease of a second
runs out.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from wonderblogs_target.stores import open_database
from wonderblogs_target.stores._jobs import (
    DONE,
    FAILED,
    PENDING,
    RUNNING,
    Backoff,
    Job,
    JobQueue,
    SQLJobQueue,
    run_job,
)

FORK = multiprocessing.get_context("fork")
START = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@dataclass
class QueueKind:
    """One kind of queue, as the suite sees it."""

    #: A new queue on the same database (the suite opens several, also in child processes).
    open: Callable[[], JobQueue]
    #: Run before forking worker processes (a child must not share the parent's connections).
    before_fork: Callable[[], None] = lambda: None


def _sql_kind(url: str) -> QueueKind:
    return QueueKind(lambda: SQLJobQueue(open_database(url)))


def _django_kind(alias: str) -> QueueKind:
    from django.db import connections

    from wonderblogs_target.contrib.django.jobs import DjangoJobQueue
    from wonderblogs_target.contrib.django.models import DeferredJob

    DeferredJob.objects.using(alias).all().delete()
    return QueueKind(lambda: DjangoJobQueue(alias), before_fork=connections.close_all)


@pytest.fixture(params=["sqlite", "postgres", "django-sqlite", "django-postgres"])
def kind(request: pytest.FixtureRequest, tmp_path: Path) -> QueueKind:
    if request.param == "sqlite":
        return _sql_kind(f"sqlite:///{tmp_path}/jobs.db")
    if request.param == "postgres":
        return _sql_kind(str(request.getfixturevalue("fresh_database")))
    if request.param == "django-sqlite":
        return _django_kind(request.getfixturevalue("django_db"))
    return _django_kind(request.getfixturevalue("django_postgres"))


@pytest.fixture
def open_queue(kind: QueueKind) -> Iterator[Callable[..., JobQueue]]:
    """Opens queues on the one database (as several workers would), each on
    the clock given, if any."""
    opened: list[JobQueue] = []

    def opener(now: Callable[[], datetime] | None = None) -> JobQueue:
        queue = kind.open()
        if now is not None:
            queue.now = now  # type: ignore[attr-defined]
        opened.append(queue)
        return queue

    yield opener
    for queue in opened:
        database = getattr(queue, "database", None)
        if database is not None:
            database.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_job_is_claimed_run_and_done_once(open_queue, clock):
    queue = open_queue(clock)
    ident = queue.enqueue("cover", "post-1", {"why": "test"})
    job = queue.claim(lease=60)
    assert job is not None
    assert (job.id, job.kind, job.subject, job.data) == (ident, "cover", "post-1", {"why": "test"})
    assert (job.state, job.attempts) == (RUNNING, 1)
    assert queue.claim(lease=60) is None  # held
    assert queue.finish(job, "attached")
    assert queue.claim(lease=60) is None
    done = queue.get(ident)
    assert done is not None
    assert (done.state, done.message, done.attempts) == (DONE, "attached", 1)
    assert done.finished_at is not None


def test_a_job_waiting_to_start_is_not_added_twice(open_queue, clock):
    queue = open_queue(clock)
    first = queue.enqueue("push", "git")
    assert queue.enqueue("push", "git") == first
    assert queue.enqueue("push", "other") != first
    job = queue.claim(lease=60, job_id=first)
    assert job is not None
    # Once it has started, a new one is added: the new commit needs a push of its own.
    assert queue.enqueue("push", "git") != first


def test_jobs_run_in_the_order_they_came(open_queue, clock):
    queue = open_queue(clock)
    idents = [queue.enqueue("cover", f"post-{n}") for n in range(3)]
    taken = []
    while (job := queue.claim(lease=60)) is not None:
        taken.append(job.id)
        queue.finish(job)
    assert taken == idents


def test_a_failing_job_waits_longer_each_time_then_is_failed_and_kept(open_queue, clock):
    queue = open_queue(clock)
    backoff = Backoff(attempts=3, first=10, factor=3, lease=60)
    ident = queue.enqueue("cover", "post-1")
    calls: list[int] = []

    def failing(job: Job) -> str:
        calls.append(job.attempts)
        raise OSError(f"image host down (try {job.attempts})")

    handlers = {"cover": failing}
    job = queue.claim(lease=backoff.lease)
    assert run_job(queue, job, handlers, backoff) == PENDING
    waiting = queue.get(ident)
    assert waiting.state == PENDING
    assert waiting.message == "OSError: image host down (try 1)"
    assert waiting.run_after == START + timedelta(seconds=10)
    clock.advance(9)
    assert queue.claim(lease=backoff.lease) is None  # not yet
    clock.advance(1)
    job = queue.claim(lease=backoff.lease)
    assert run_job(queue, job, handlers, backoff) == PENDING
    assert queue.get(ident).run_after == START + timedelta(seconds=10 + 30)
    clock.advance(30)
    job = queue.claim(lease=backoff.lease)
    assert run_job(queue, job, handlers, backoff) == FAILED
    assert calls == [1, 2, 3]
    failed = queue.get(ident)
    assert (failed.state, failed.attempts) == (FAILED, 3)
    assert failed.message == "OSError: image host down (try 3)"
    clock.advance(10 * 86_400)
    assert queue.claim(lease=backoff.lease) is None  # failed is final
    assert queue.forget(timedelta(days=1)) == 0  # and stays, for a person to see
    assert [j.id for j in queue.jobs(states=(FAILED,))] == [ident]


def test_a_failed_job_can_be_run_again_with_every_attempt(open_queue, clock):
    queue = open_queue(clock)
    ident = queue.enqueue("cover", "post-1")
    assert not queue.again(ident)  # waiting, not failed
    job = queue.claim(lease=60)
    assert run_job(queue, job, {}, Backoff(attempts=1)) == FAILED
    clock.advance(60)
    assert queue.again(ident)
    assert not queue.again(ident)  # once
    again = queue.claim(lease=60)
    assert again is not None
    assert (again.id, again.attempts) == (ident, 1)
    assert queue.finish(again, "mended")
    assert queue_state(queue, ident) == (DONE, "mended")
    assert not queue.again("not-an-id")


def test_a_job_without_a_handler_here_is_retried_not_lost(open_queue, clock):
    queue = open_queue(clock)
    ident = queue.enqueue("receiver", "post-1")
    job = queue.claim(lease=60)
    assert run_job(queue, job, {}, Backoff(attempts=2, first=5)) == PENDING
    assert "no handler for 'receiver' jobs" in queue.get(ident).message


def test_a_lease_that_ran_out_lets_another_worker_take_the_job(open_queue, clock):
    first, second = open_queue(clock), open_queue(clock)
    ident = first.enqueue("cover", "post-1")
    held = first.claim(lease=60)
    clock.advance(59)
    assert second.claim(lease=60) is None
    clock.advance(2)
    taken = second.claim(lease=60)
    assert taken is not None
    assert (taken.id, taken.attempts) == (ident, 2)
    # The first worker comes back late: its word no longer counts.
    assert not first.finish(held, "late")
    assert not first.retry(held, "late", after=1)
    assert second.finish(taken, "on time")
    assert queue_state(second, ident) == (DONE, "on time")


def queue_state(queue: JobQueue, ident: str) -> tuple[str, str]:
    job = queue.get(ident)
    assert job is not None
    return job.state, job.message


def test_forget_removes_old_finished_jobs_only(open_queue, clock):
    queue = open_queue(clock)
    done = queue.enqueue("cover", "a")
    queue.finish(queue.claim(lease=60))
    waiting = queue.enqueue("cover", "b")
    clock.advance(3 * 86_400)
    assert queue.forget(timedelta(days=2), dry_run=True) == 1
    assert queue.get(done) is not None
    assert queue.forget(timedelta(days=2)) == 1
    assert queue.get(done) is None
    assert queue.get(waiting) is not None


def test_an_id_that_cannot_exist_is_none(open_queue):
    queue = open_queue()
    assert queue.get("../etc") is None
    assert queue.get("999") is None
    assert queue.claim(lease=60, job_id="x") is None


# -- processes ----------------------------------------------------------------------


def _claim_all(kind: QueueKind, barrier, results) -> None:
    queue = kind.open()
    barrier.wait(timeout=60)
    taken = []
    while (job := queue.claim(lease=60)) is not None:
        taken.append(job.id)
        queue.finish(job)
    results.put(taken)


def test_workers_in_four_processes_take_each_job_once(kind, open_queue):
    queue = open_queue()
    idents = {queue.enqueue("cover", f"post-{n}") for n in range(40)}
    barrier, results = FORK.Barrier(4), FORK.Queue()
    kind.before_fork()
    children = [FORK.Process(target=_claim_all, args=(kind, barrier, results)) for _ in range(4)]
    for child in children:
        child.start()
    taken = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
    every = [ident for one in taken for ident in one]
    assert sorted(every) == sorted(idents)  # each once, none twice
    assert all(job.attempts == 1 for job in queue.jobs(limit=100))


def _run_until_killed(kind: QueueKind, marker: str) -> None:
    queue = kind.open()
    job = queue.claim(lease=1.0)
    assert job is not None
    Path(marker).write_text(job.id)
    time.sleep(60)  # killed here, mid-job


def test_a_job_of_a_killed_worker_runs_again_after_its_lease(kind, open_queue, tmp_path):
    queue = open_queue()
    ident = queue.enqueue("cover", "post-1")
    marker = tmp_path / "claimed"
    kind.before_fork()
    child = FORK.Process(target=_run_until_killed, args=(kind, str(marker)))
    child.start()
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.read_text() == ident
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while (job := queue.claim(lease=60)) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert job is not None
    assert (job.id, job.attempts) == (ident, 2)
    assert queue.finish(job)


# -- serve's worker thread -------------------------------------------------------------


def test_serves_worker_thread_runs_a_job_as_soon_as_it_is_added(tmp_path, caplog):
    import threading

    from wonderblogs_target.serve.worker import Worker

    queue = SQLJobQueue(open_database(f"sqlite:///{tmp_path}/jobs.db"))
    ran = threading.Event()
    worker = Worker(queue, {"cover": lambda job: ran.set() or "attached"}, poll=3600)
    worker.start()
    try:
        ident = queue.enqueue("cover", "post-1")  # wakes the worker: no poll for an hour
        assert ran.wait(30)
    finally:
        worker.stop(timeout=30)
    assert queue_state(queue, ident) == (DONE, "attached")
    # A queue that cannot be read is logged and looked at again, not the end of the thread.
    queue.database.close()
    broken = Worker(queue, {}, poll=0.01)
    broken.queue = None  # type: ignore[assignment]
    with caplog.at_level("ERROR", logger="wonderblogs_target.jobs"):
        broken.start()
        deadline = time.monotonic() + 30
        while "could not be read" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
        broken.stop(timeout=30)
    assert "the deferred-work queue could not be read" in caplog.text


# -- the Django app's task, on another database ---------------------------------------


def test_a_deferred_receiver_runs_for_an_article_of_another_database(django_db, django_postgres):
    """A job is handed to the task with its database: one enqueued on another
    alias is found there (Django's immediate task backend runs it at once)."""
    from tests import samples
    from tests.django_project import receivers
    from wonderblogs_target.contrib.django.models import Article, DeferredJob
    from wonderblogs_target.contrib.django.signals import article_received
    from wonderblogs_target.contrib.django.store import DjangoStore
    from wonderblogs_target.models import PublishPayload

    for alias in (django_db, django_postgres):
        DeferredJob.objects.using(alias).all().delete()
    Article.objects.using(django_postgres).all().delete()
    receivers.RECEIVED.clear()
    receivers.FAILURES.clear()
    article_received.connect(receivers.remember)
    try:
        store = DjangoStore(using=django_postgres)
        store.save(PublishPayload.model_validate(samples.payload(slug="elsewhere", title="There")))
    finally:
        article_received.disconnect(receivers.remember)
    [job] = DeferredJob.objects.using(django_postgres).all()
    assert (job.state, job.data["using"]) == ("done", django_postgres)
    assert receivers.RECEIVED == [("elsewhere", True, "There")]
    assert not DeferredJob.objects.using(django_db).exists()
    DeferredJob.objects.using(django_postgres).all().delete()
