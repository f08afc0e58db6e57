"""Deferred work: what a delivery leaves to run after its answer.

The article is committed before the target answers, always. What is slow and
can fail on its own (a cover download from a slow image host, a git push to
a remote that does not answer, a site's own receiver marked deferred) can
instead be written down as a `Job` in the store's database, in the same
place as the delivery log, and run by a worker: ``serve``'s own thread
(`Worker`), or Django's tasks framework in the Django app.

The rules, each in one place (`run_job` and the queues' ``claim``):

* a worker takes a job with a *lease*: while the lease runs, no other worker
  takes it; a worker killed mid-job leaves the lease to run out, and then
  the next worker takes the job again. So a job may run more than once, and
  every handler is written to do its work once however often it runs (a
  cover already attached is not attached again);
* a job that raises is tried again after a growing pause (`Backoff`), and
  after its last attempt it is marked failed with its error: it stays in
  the queue, visible next to the delivery log, never silently dropped;
* a worker finishes only the attempt it took: when its lease ran out and
  another worker took the job meanwhile, its late word is ignored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ._base import numeric_id
from ._deliveries import describe_failure

if TYPE_CHECKING:
    from ._sql import Database

__all__ = [
    "DONE",
    "FAILED",
    "PENDING",
    "RUNNING",
    "Backoff",
    "Job",
    "JobHandler",
    "JobQueue",
    "SQLJobQueue",
    "SettlingQueue",
    "job_queue_of",
    "run_job",
]

logger = logging.getLogger("wonderblogs_target.jobs")

#: A job's states.
PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


@dataclass(frozen=True)
class Backoff:
    """How often and how late a failing job is tried again, and how long a
    worker holds a job before another may take it.

    The pause before attempt *n + 1* is ``first * factor ** (n - 1)``, at most
    ``cap``; after ``attempts`` attempts the job is failed. The defaults try
    six times over about an hour and a half: enough for an image host or a
    git remote to come back, short enough for a person to hear of it the
    same day.
    """

    attempts: int = 6
    first: float = 30.0
    factor: float = 3.0
    cap: float = 3600.0
    #: Seconds a worker holds a job: longer than any job runs (a cover's
    #: download and a git push are bounded well below it).
    lease: float = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("a job needs at least one attempt")
        if self.first < 0 or self.factor < 1 or self.cap < 0 or self.lease <= 0:
            raise ValueError("pauses must not be negative, the factor at least 1, the lease > 0")

    def pause(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1 is the first)."""
        return min(self.cap, self.first * self.factor ** max(0, attempt - 1))


@dataclass(frozen=True)
class Job:
    """One piece of deferred work, as the queue keeps it."""

    id: str
    #: What to do: the name a handler is registered under (``"cover"``).
    kind: str
    #: What it is about, for people and for de-duplication (a post's id).
    subject: str
    data: dict[str, Any]
    state: str
    #: Attempts begun so far, the one running included.
    attempts: int
    created_at: datetime
    run_after: datetime
    lease_until: datetime | None = None
    #: The last error of a failing job, or what a finished job has to say.
    message: str = ""
    finished_at: datetime | None = None

    def to_text(self) -> str:
        """One line for a terminal."""
        line = f"{self.id}  {self.created_at:%Y-%m-%d %H:%M:%S}  {self.kind} {self.subject}  "
        line += f"{self.state} after {self.attempts} attempt(s)"
        if self.state == PENDING and self.attempts:
            line += f", next {self.run_after:%H:%M:%S}"
        return f"{line}\n    {self.message}" if self.message else line

    def to_record(self) -> dict[str, Any]:
        """The job as one JSON object."""
        return {
            "id": self.id,
            "kind": self.kind,
            "subject": self.subject,
            "state": self.state,
            "attempts": self.attempts,
            "created_at": self.created_at.isoformat(),
            "run_after": self.run_after.isoformat(),
            "message": self.message,
        }


@runtime_checkable
class JobQueue(Protocol):
    """Where a store keeps its deferred work; offered as its ``job_queue``.
    Every queue passes the one queue suite in the project's tests."""

    def enqueue(self, kind: str, subject: str, data: Mapping[str, Any] | None = None) -> str:
        """Add a job, due now; returns its id. A job of the same kind and
        subject still waiting to start is not added twice: its id is returned
        (one push carries every commit, one download attaches the cover)."""
        ...

    def claim(self, *, lease: float, job_id: str | None = None) -> Job | None:
        """Take the next due job (or job ``job_id``, if it is due) for
        ``lease`` seconds: one waiting whose time has come, or one whose
        worker's lease ran out. None when there is none."""
        ...

    def finish(self, job: Job, message: str = "") -> bool:
        """Mark the attempt ``job`` done; False when it was no longer this
        attempt's to finish (its lease ran out and another worker took it)."""
        ...

    def retry(self, job: Job, error: str, *, after: float) -> bool:
        """Give the attempt back, to be tried again in ``after`` seconds."""
        ...

    def fail(self, job: Job, error: str) -> bool:
        """Mark the job failed for good, with ``error``."""
        ...

    def again(self, job_id: str) -> bool:
        """Make failed job ``job_id`` wait again, due now with every attempt
        before it (a person mended the cause); False when it is not failed."""
        ...

    def get(self, job_id: str) -> Job | None: ...

    def jobs(self, *, states: tuple[str, ...] = (), limit: int = 100) -> list[Job]:
        """The newest jobs first, of the given states (all when empty)."""
        ...

    def forget(self, older_than: timedelta, *, dry_run: bool = False) -> int:
        """Remove finished jobs done longer ago than ``older_than`` (failed
        ones stay, like a delivery waiting to be applied again)."""
        ...


def job_queue_of(store: object) -> JobQueue | None:
    """The store's job queue, if it defers work."""
    queue = getattr(store, "job_queue", None)
    return queue if isinstance(queue, JobQueue) else None


#: Runs one job's work; what it returns is kept as the finished job's message.
JobHandler = Callable[[Job], "str | None"]


def run_job(
    queue: JobQueue,
    job: Job,
    handlers: Mapping[str, JobHandler],
    backoff: Backoff | None = None,
) -> str:
    """Run a claimed ``job`` with its handler and record the outcome; returns
    the job's new state. The one place where a failure becomes a retry or,
    after the last attempt, a failed job."""
    backoff = backoff or Backoff()
    handler = handlers.get(job.kind)
    try:
        if handler is None:
            # Another process may have it (a site's receiver, registered there).
            raise LookupError(f"no handler for {job.kind!r} jobs in this process")
        message = handler(job) or ""
    except Exception as exc:
        error = describe_failure(exc)
        if job.attempts >= backoff.attempts:
            logger.error(
                "deferred %s job %s (%s) failed after %d attempts: %s",
                job.kind, job.id, job.subject, job.attempts, error,
            )  # fmt: skip
            queue.fail(job, error)
            return FAILED
        pause = backoff.pause(job.attempts)
        logger.warning(
            "deferred %s job %s (%s), attempt %d, failed; next in %.0f s: %s",
            job.kind, job.id, job.subject, job.attempts, pause, error,
        )  # fmt: skip
        queue.retry(job, error, after=pause)
        return PENDING
    queue.finish(job, message)
    return DONE


class SettlingQueue:
    """What every queue's ``finish``, ``retry`` and ``fail`` mean, in terms of
    one operation a queue supplies: ``_settle(job, state, message, run_after)``,
    which records the outcome of the attempt ``job`` only if it is still that
    attempt (running, with the same number of attempts)."""

    now: Callable[[], datetime]

    def _settle(self, job: Job, state: str, message: str, run_after: datetime | None) -> bool:
        raise NotImplementedError

    def finish(self, job: Job, message: str = "") -> bool:
        return self._settle(job, DONE, message, None)

    def retry(self, job: Job, error: str, *, after: float) -> bool:
        return self._settle(job, PENDING, error, self.now() + timedelta(seconds=after))

    def fail(self, job: Job, error: str) -> bool:
        return self._settle(job, FAILED, error, None)


# -- the SQL queue -------------------------------------------------------------------

_TABLE = """
CREATE TABLE IF NOT EXISTS wb_jobs (
    id {serial},
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    data TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    run_after TEXT NOT NULL,
    lease_until TEXT,
    message TEXT NOT NULL DEFAULT '',
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS wb_jobs_due ON wb_jobs (state, run_after);
"""
_COLUMNS = (
    "id, kind, subject, data, state, attempts, created_at, run_after, lease_until, "
    "message, finished_at"
)
# Due: waiting and its time has come, or held by a worker whose lease ran out.
_DUE = "((state = 'pending' AND run_after <= ?) OR (state = 'running' AND lease_until < ?))"
_TAKE = (
    "UPDATE wb_jobs SET state = 'running', attempts = attempts + 1, lease_until = ? "  # noqa: S608
    f"WHERE id = ? AND {_DUE}"
)


def _stamp(moment: datetime) -> str:
    # ISO text in UTC, fixed width: compares in the same order as the times.
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass
class SQLJobQueue(SettlingQueue):
    """Jobs in ``wb_jobs`` of a `Database` (times as ISO text, as the delivery
    log keeps them): the SQL stores' queue, and the Markdown store's beside
    its index."""

    database: Database
    #: The clock, replaceable in tests of backoff and leases.
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    #: Called after a job is added (a worker in this process wakes up).
    on_enqueue: Callable[[], None] = field(default=lambda: None)

    def __post_init__(self) -> None:
        self.database.script(_TABLE.format(serial=self.database.serial))

    def enqueue(self, kind: str, subject: str, data: Mapping[str, Any] | None = None) -> str:
        now = _stamp(self.now())
        sql = self.database.sql
        with self.database.transaction() as db:
            waiting = db.execute(
                sql(
                    "SELECT id FROM wb_jobs WHERE kind = ? AND subject = ? AND state = 'pending' "
                    "AND attempts = 0"
                ),
                (kind, subject),
            ).fetchone()
            if waiting is not None:
                return str(waiting[0])
            new = self.database.insert_id(
                db,
                "INSERT INTO wb_jobs (kind, subject, data, state, created_at, run_after) "
                "VALUES (?, ?, ?, 'pending', ?, ?)",
                (kind, subject, json.dumps(dict(data or {})), now, now),
            )
        self.on_enqueue()
        return str(new)

    def claim(self, *, lease: float, job_id: str | None = None) -> Job | None:
        moment = self.now()
        now = _stamp(moment)
        until = _stamp(moment + timedelta(seconds=lease))
        sql = self.database.sql
        params: tuple[Any, ...] = (now, now)
        only = ""
        if job_id is not None:
            ident = numeric_id(job_id)
            if ident is None:
                return None
            only, params = " AND id = ?", (now, now, ident)
        look = f"SELECT id FROM wb_jobs WHERE {_DUE}{only} ORDER BY run_after, id LIMIT 5"  # noqa: S608
        # A read first: a worker polling an empty queue takes no write lock.
        if not self.database.fetch(look, params):
            return None
        with self.database.transaction() as db:
            candidates = db.execute(sql(look), params).fetchall()
            for (ident,) in candidates:
                # Taken only if still due: another worker's claim in between wins.
                taken = db.execute(
                    sql(_TAKE),
                    (until, ident, now, now),
                )
                if taken.rowcount == 1:
                    row = db.execute(
                        sql(f"SELECT {_COLUMNS} FROM wb_jobs WHERE id = ?"),  # noqa: S608
                        (ident,),
                    ).fetchone()
                    return self._job(row)
        return None

    def _settle(self, job: Job, state: str, message: str, run_after: datetime | None) -> bool:
        now = self.now()
        sets = "state = ?, message = ?, lease_until = NULL"
        params: list[Any] = [state, message]
        if run_after is not None:
            sets += ", run_after = ?"
            params.append(_stamp(run_after))
        if state in (DONE, FAILED):
            sets += ", finished_at = ?"
            params.append(_stamp(now))
        with self.database.transaction() as db:
            cursor = db.execute(
                self.database.sql(
                    # This attempt's only: a later claim counted attempts up.
                    f"UPDATE wb_jobs SET {sets} WHERE id = ? AND state = 'running' "  # noqa: S608
                    "AND attempts = ?"
                ),
                (*params, int(job.id), job.attempts),
            )
            return int(cursor.rowcount) == 1

    def again(self, job_id: str) -> bool:
        ident = numeric_id(job_id)
        if ident is None:
            return False
        with self.database.transaction() as db:
            cursor = db.execute(
                self.database.sql(
                    "UPDATE wb_jobs SET state = 'pending', attempts = 0, run_after = ?, "
                    "finished_at = NULL WHERE id = ? AND state = 'failed'"
                ),
                (_stamp(self.now()), ident),
            )
            again = int(cursor.rowcount) == 1
        if again:
            self.on_enqueue()
        return again

    @staticmethod
    def _job(row: Any) -> Job:
        ident, kind, subject, data, state, attempts, created, run_after, lease, message, done = row
        return Job(
            id=str(ident),
            kind=kind,
            subject=subject,
            data=json.loads(data),
            state=state,
            attempts=int(attempts),
            created_at=datetime.fromisoformat(created),
            run_after=datetime.fromisoformat(run_after),
            lease_until=_time(lease),
            message=message,
            finished_at=_time(done),
        )

    def get(self, job_id: str) -> Job | None:
        ident = numeric_id(job_id)
        if ident is None:
            return None
        rows = self.database.fetch(f"SELECT {_COLUMNS} FROM wb_jobs WHERE id = ?", (ident,))  # noqa: S608
        return self._job(rows[0]) if rows else None

    def jobs(self, *, states: tuple[str, ...] = (), limit: int = 100) -> list[Job]:
        where = f" WHERE state IN ({', '.join('?' for _ in states)})" if states else ""
        query = f"SELECT {_COLUMNS} FROM wb_jobs{where} ORDER BY id DESC LIMIT ?"  # noqa: S608
        return [self._job(row) for row in self.database.fetch(query, (*states, limit))]

    def forget(self, older_than: timedelta, *, dry_run: bool = False) -> int:
        cutoff = _stamp(self.now() - older_than)
        which = "FROM wb_jobs WHERE state = 'done' AND finished_at < ?"
        return self.database.remove_rows(which, (cutoff,), dry_run=dry_run)
