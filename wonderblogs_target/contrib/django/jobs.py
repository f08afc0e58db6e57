"""Deferred work in the Django app: the queue in the `DeferredJob` model, run
by Django's tasks framework (``django.tasks``, or the ``django-tasks``
backport before Django 6), so whatever task backend and worker the site
runs (``db_worker`` of ``django-tasks-db``, RQ, Celery) runs these too.

The queue's rules are the package's own (`wonderblogs_target.stores._jobs`).
What the tasks framework adds is the wake-up: each job is enqueued as the
`run_deferred_job` task once the delivery's transaction commits, and when
a worker takes it, a second task is enqueued for the moment its lease runs
out. That one finds the job done and returns, or, when the worker was
killed mid-job, takes the job again: no job waits for a person because a
worker died, even on a backend that never re-runs a task it lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ...stores._base import numeric_id
from ...stores._jobs import DONE, FAILED, PENDING, RUNNING, Job, JobHandler, run_job
from .conf import deferred_backoff
from .models import DeferredJob

__all__ = ["DjangoJobQueue", "run_deferred_job"]

logger = logging.getLogger("wonderblogs_target.jobs")


def _job(row: DeferredJob) -> Job:
    return Job(
        id=str(row.pk),
        kind=row.kind,
        subject=row.subject,
        data=dict(row.data or {}),
        state=row.state,
        attempts=row.attempts,
        created_at=row.created_at,
        run_after=row.run_after,
        lease_until=row.lease_until,
        message=row.message,
        finished_at=row.finished_at,
    )


class DjangoJobQueue:
    """The `JobQueue` of the Django app, through the database ``using``.
    ``on_enqueue(job_id)`` runs once the enqueuing transaction commits (the
    app hands the job to the tasks framework there)."""

    def __init__(
        self,
        using: str = "default",
        *,
        now: Callable[[], datetime] = timezone.now,
        on_enqueue: Callable[[str], None] | None = None,
    ) -> None:
        self.using = using
        self.now = now
        self.on_enqueue = on_enqueue

    def _rows(self) -> Any:
        return DeferredJob.objects.using(self.using)

    def enqueue(self, kind: str, subject: str, data: Mapping[str, Any] | None = None) -> str:
        with transaction.atomic(using=self.using):
            waiting = (
                self._rows()
                .select_for_update()
                .filter(kind=kind, subject=subject, state=PENDING, attempts=0)
                .first()
            )
            if waiting is not None:
                return str(waiting.pk)
            now = self.now()
            row = self._rows().create(
                kind=kind, subject=subject, data=dict(data or {}), created_at=now, run_after=now
            )
            ident = str(row.pk)
            if self.on_enqueue is not None:
                hand_over = self.on_enqueue
                transaction.on_commit(lambda: hand_over(ident), using=self.using)
        return ident

    def _due(self, now: datetime) -> Q:
        return Q(state=PENDING, run_after__lte=now) | Q(state=RUNNING, lease_until__lt=now)

    def claim(self, *, lease: float, job_id: str | None = None) -> Job | None:
        now = self.now()
        candidates = self._rows().filter(self._due(now))
        if job_id is not None:
            ident = numeric_id(job_id)
            if ident is None:
                return None
            candidates = candidates.filter(pk=ident)
        for pk in candidates.order_by("run_after", "id").values_list("pk", flat=True)[:5]:
            # Taken only if still due: another worker's claim in between wins.
            taken = (
                self._rows()
                .filter(self._due(now), pk=pk)
                .update(
                    state=RUNNING,
                    attempts=F("attempts") + 1,
                    lease_until=now + timedelta(seconds=lease),
                )
            )
            if taken == 1:
                return _job(self._rows().get(pk=pk))
        return None

    def _settle(self, job: Job, state: str, message: str, run_after: datetime | None) -> bool:
        changes: dict[str, Any] = {"state": state, "message": message, "lease_until": None}
        if run_after is not None:
            changes["run_after"] = run_after
        if state in (DONE, FAILED):
            changes["finished_at"] = self.now()
        # This attempt's only: a later claim counted attempts up.
        mine = self._rows().filter(pk=int(job.id), state=RUNNING, attempts=job.attempts)
        return int(mine.update(**changes)) == 1

    def finish(self, job: Job, message: str = "") -> bool:
        return self._settle(job, DONE, message, None)

    def retry(self, job: Job, error: str, *, after: float) -> bool:
        return self._settle(job, PENDING, error, self.now() + timedelta(seconds=after))

    def fail(self, job: Job, error: str) -> bool:
        return self._settle(job, FAILED, error, None)

    def again(self, job_id: str) -> bool:
        ident = numeric_id(job_id)
        if ident is None:
            return False
        with transaction.atomic(using=self.using):
            changed = (
                self._rows()
                .filter(pk=ident, state=FAILED)
                .update(state=PENDING, attempts=0, run_after=self.now(), finished_at=None)
            )
            again = int(changed) == 1
            if again and self.on_enqueue is not None:
                hand_over = self.on_enqueue
                transaction.on_commit(lambda: hand_over(str(ident)), using=self.using)
        return again

    def get(self, job_id: str) -> Job | None:
        ident = numeric_id(job_id)
        row = None if ident is None else self._rows().filter(pk=ident).first()
        return None if row is None else _job(row)

    def jobs(self, *, states: tuple[str, ...] = (), limit: int = 100) -> list[Job]:
        rows = self._rows().order_by("-id")
        if states:
            rows = rows.filter(state__in=states)
        return [_job(row) for row in rows[:limit]]

    def forget(self, older_than: timedelta, *, dry_run: bool = False) -> int:
        old = self._rows().filter(state=DONE, finished_at__lt=self.now() - older_than)
        if dry_run:
            return int(old.count())
        removed, _ = old.delete()
        return int(removed)


# -- the tasks framework -------------------------------------------------------------

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


def _enqueue_task(job_id: str, run_after: datetime | None = None) -> None:
    runner: Any = run_deferred_job
    if run_after is not None:
        if not runner.get_backend().supports_defer:
            return  # a backend that cannot wait: `manage.py wonderblogs_jobs` runs it later
        runner = runner.using(run_after=run_after)
    runner.enqueue(job_id)


def hand_to_tasks(job_id: str) -> None:
    """Enqueue job ``job_id`` as a task now (after the delivery committed)."""
    _enqueue_task(job_id)


@task
def run_deferred_job(job_id: str) -> str:
    """The task: take job ``job_id`` if it is due, run it, record the outcome,
    and enqueue what comes next (this task again at the lease's end, and after
    the pause of a retry). Returns the job's state afterwards."""
    queue = DjangoJobQueue(on_enqueue=hand_to_tasks)
    rules = deferred_backoff()
    job = queue.claim(lease=rules.lease, job_id=job_id)
    if job is None:
        found = queue.get(job_id)
        return "gone" if found is None else found.state
    assert job.lease_until is not None
    # Should this worker die mid-job, this task takes it again then.
    _enqueue_task(job.id, job.lease_until + timedelta(seconds=1))
    state = run_job(queue, job, _handlers(), rules)
    if state == PENDING:
        again = queue.get(job.id)
        if again is not None:
            _enqueue_task(job.id, again.run_after)
    return state
