"""The Django app's queue of deferred work: the `DeferredJob` model, with the
package's queue rules (`wonderblogs_target.stores._jobs`). It needs no task
framework of its own; `wonderblogs_target.contrib.django.tasks` runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ...stores._base import numeric_id
from ...stores._jobs import DONE, FAILED, PENDING, RUNNING, Job, SettlingQueue
from .models import DeferredJob

__all__ = ["DjangoJobQueue"]


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


class DjangoJobQueue(SettlingQueue):
    """The `JobQueue` of the Django app, through the database ``using``.
    ``on_enqueue(job_id, using)`` runs once the enqueuing transaction commits
    (the app hands the job to the tasks framework there)."""

    def __init__(
        self,
        using: str = "default",
        *,
        now: Callable[[], datetime] = timezone.now,
        on_enqueue: Callable[[str, str], None] | None = None,
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
            self._hand_over(ident)
        return ident

    def _hand_over(self, ident: str) -> None:
        """``on_enqueue`` for job ``ident``, once the transaction commits."""
        if self.on_enqueue is not None:
            hand_over, using = self.on_enqueue, self.using
            transaction.on_commit(lambda: hand_over(ident, using), using=using)

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
            if again:
                self._hand_over(str(ident))
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
