"""Deferred work on Django's tasks framework (``django.tasks``, or the
``django-tasks`` backport before Django 6): whatever task backend and worker
the site runs (``db_worker`` of ``django-tasks-db``, RQ, Celery) runs the
app's deferred jobs (`DjangoJobQueue`) too.

What the tasks framework adds to the queue is the wake-up: each job is
enqueued as the `run_deferred_job` task once the delivery's transaction
commits, and when a worker takes it, the same task is enqueued again for the
moment its lease runs out. That one finds the job done and returns, or, when
the worker was killed mid-job, takes the job again: no job waits for a person
because a worker died, even on a backend that never re-runs a task it lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ...stores._jobs import PENDING, JobHandler, run_job
from .conf import deferred_backoff
from .jobs import DjangoJobQueue

__all__ = ["hand_to_tasks", "handler_sources", "job_queue", "run_deferred_job"]

try:
    from django.tasks import task
except ImportError:  # Django before 6.0: the backport
    from django_tasks import task  # type: ignore[no-redef,unused-ignore]

#: Where the task finds its handlers, filled by the app's ``ready()``: the
#: configured store's (Wagtail's covers) and the deferred receivers'.
handler_sources: list[Callable[[], Mapping[str, JobHandler]]] = []


def _handlers() -> Mapping[str, JobHandler]:
    found: dict[str, JobHandler] = {}
    for source in handler_sources:
        found.update(source())
    return found


def _can_wait() -> bool:
    """Whether the task backend can run a task later (``ImmediateBackend``,
    Django's default, cannot)."""
    runner: Any = run_deferred_job
    return bool(runner.get_backend().supports_defer)


def _enqueue_task(job_id: str, using: str, run_after: datetime | None = None) -> None:
    runner: Any = run_deferred_job
    if run_after is not None:
        runner = runner.using(run_after=run_after)
    runner.enqueue(job_id, using)


def hand_to_tasks(job_id: str, using: str = "default") -> None:
    """Enqueue job ``job_id`` of database ``using`` as a task now (after the
    delivery committed)."""
    _enqueue_task(job_id, using)


def job_queue(using: str = "default") -> DjangoJobQueue:
    """The app's queue on database ``using``, handing each job it is given to
    the tasks framework."""
    return DjangoJobQueue(using, on_enqueue=hand_to_tasks)


@task
def run_deferred_job(job_id: str, using: str = "default") -> str:
    """The task: take job ``job_id`` of database ``using`` if it is due, run
    it, record the outcome, and enqueue what comes next (this task again at the
    lease's end, and after the pause of a retry). Returns the job's state."""
    queue = job_queue(using)
    rules = deferred_backoff()
    job = queue.claim(lease=rules.lease, job_id=job_id)
    if job is None:
        found = queue.get(job_id)
        return "gone" if found is None else found.state
    assert job.lease_until is not None
    if _can_wait():
        # Should this worker die mid-job, this task takes it again then.
        _enqueue_task(job.id, using, job.lease_until + timedelta(seconds=1))
    else:
        # Nothing would come back for a retry: this attempt is the last, and a
        # failure is marked failed, for "Run again".
        rules = replace(rules, attempts=min(rules.attempts, job.attempts))
    state = run_job(queue, job, _handlers(), rules)
    if state == PENDING:
        again = queue.get(job.id)
        if again is not None:
            _enqueue_task(job.id, using, again.run_after)
    return state
