"""``serve``'s worker: one thread in the server's process that runs the
store's deferred jobs (`wonderblogs_target.stores._jobs`), so a static site
needs no task queue of its own.

It sleeps until a delivery wakes it (`Worker.wake`) or a poll interval
passes: a job whose retry time came, or one left by a killed process whose
lease ran out, is found by the poll. Several ``serve`` processes on one
store each run a worker; the queue's lease keeps each job to one of them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from ..stores._jobs import Backoff, JobHandler, JobQueue, run_job

__all__ = ["Worker"]

logger = logging.getLogger("wonderblogs_target.jobs")

#: Seconds between looks at the queue when nothing wakes the worker.
POLL = 1.0


class Worker:
    """Runs due jobs of ``queue`` with ``handlers`` in a daemon thread."""

    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, JobHandler],
        *,
        backoff: Backoff | None = None,
        poll: float = POLL,
    ) -> None:
        self.queue = queue
        self.handlers = dict(handlers)
        self.backoff = backoff or Backoff()
        self.poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if hasattr(queue, "on_enqueue"):
            queue.on_enqueue = self.wake  # a job added in this process: run it now

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="wonderblogs-worker", daemon=True
            )
            self._thread.start()

    def wake(self) -> None:
        """A job was just added: look now instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Let the running job end, then stop; a job still running after
        ``timeout`` keeps its lease and runs again elsewhere later."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_due(self) -> int:
        """Run every job due now, one after another; how many ran."""
        ran = 0
        while not self._stop.is_set():
            job = self.queue.claim(lease=self.backoff.lease)
            if job is None:
                return ran
            run_job(self.queue, job, self.handlers, self.backoff)
            ran += 1
        return ran

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # the queue's database away: look again later
                logger.exception("the deferred-work queue could not be read")
            self._wake.wait(self.poll)
            self._wake.clear()
