"""Articles without a server: a v1 run driven into a store.

A site with no public endpoint (a static site on a forge's pages) cannot
receive Wonderblogs' POST. The v1 API serves it the other way round: create a
run, poll it, take the finished post. This module is that loop, written once
for the ``wonderblogs-target generate`` and ``run`` commands (and the Django
app's management commands): the post becomes a publish payload by the one
mapping, `GeneratedPost.to_payload`, and goes into any store.

Exit codes, for schedulers: 0 stored (or, with ``--no-wait``, started); 1 the
run failed or was skipped, or the store could not save the post (the run's or
the store's own words are printed); 2 usage or validation, before any request
where the input is at fault; 3 still running at the timeout (the run id and
the command that resumes it are printed). Ctrl-C stops waiting (130), saying
the same.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from .client import WonderblogsClient
from .errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PublishRejected,
    RunFailedError,
    WaitTimeoutError,
    WonderblogsAPIError,
    describe_violations,
)
from .stores import Store, describe_failure, redact_url
from .v1 import DEFAULT_RUN_TIMEOUT as DEFAULT_TIMEOUT
from .v1 import GeneratePostRequest, RunAccepted, RunStatus

__all__ = [
    "DEFAULT_TIMEOUT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_STILL_RUNNING",
    "EXIT_STORED",
    "EXIT_USAGE",
    "Outcome",
    "Progress",
    "TopicList",
    "generate",
    "store_run",
]

EXIT_STORED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_STILL_RUNNING = 3
EXIT_INTERRUPTED = 130
#: The default locale of a post whose language the command was not told.
DEFAULT_LOCALE = "en"


@dataclass
class Outcome:
    """What a command did, as its exit code, its message and its ``--json`` object."""

    exit_code: int
    message: str
    run_id: str | None = None
    status: str | None = None
    store: str = ""
    slug: str | None = None
    locale: str | None = None
    #: Printed after the message: how to go on (the resume command).
    hint: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "run_id": self.run_id,
                "status": self.status,
                "store": self.store,
                "slug": self.slug,
                "locale": self.locale,
                "exit_code": self.exit_code,
                "message": self.message,
            },
            ensure_ascii=False,
        )

    def to_text(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


@dataclass
class Progress:
    """The wait, shown: on a terminal one line rewritten in place (status,
    elapsed seconds, run id); elsewhere (a CI log) one plain line per change."""

    stream: IO[str]
    tty: bool
    clock: Callable[[], float] = time.monotonic
    _started: float = field(default=0.0, init=False)
    _last: str | None = field(default=None, init=False)

    def begin(self, run_id: str) -> None:
        self._started = self.clock()
        self._last = None
        self.stream.write(f"waiting for run {run_id}\n")
        self.stream.flush()

    def __call__(self, status: RunStatus) -> None:
        elapsed = self.clock() - self._started
        if self.tty:
            self.stream.write(f"\r\x1b[Krun {status.run_id}: {status.status} ({elapsed:.0f} s)")
        elif status.status != self._last:
            self.stream.write(f"run {status.run_id}: {status.status} after {elapsed:.0f} s\n")
        self._last = status.status
        self.stream.flush()

    def end(self) -> None:
        if self.tty and self._last is not None:
            self.stream.write("\n")
            self.stream.flush()


class TopicList:
    """A file of topics, one per line, walked by a scheduled job: the first line
    not yet done is the next topic; blank lines and lines starting with ``#``
    are skipped. A topic is marked done only once its post is stored, by
    rewriting its line as ``# done DATE RUN_ID: TOPIC`` (the file replaced
    whole, so a crash leaves the old list or the new one)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def next(self) -> tuple[int, str] | None:
        """The line number and topic of the next topic, or None when all are done."""
        for number, line in enumerate(self._lines()):
            topic = line.strip()
            if topic and not topic.startswith("#"):
                return number, topic
        return None

    def _lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()

    def mark_done(self, number: int, run_id: str) -> None:
        lines = self._lines()
        lines[number] = f"# done {date.today().isoformat()} {run_id}: {lines[number].strip()}"
        handle, temporary = tempfile.mkstemp(prefix=".topics-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write("\n".join(lines) + "\n")
            os.chmod(temporary, self.path.stat().st_mode & 0o777)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _api_failure(exc: WonderblogsAPIError, run_id: str | None) -> int:
    """The exit code of an API error: the caller's to fix (2) or the service's (1)."""
    caller = (AuthenticationError, BadRequestError) + ((NotFoundError,) if run_id else ())
    return EXIT_USAGE if isinstance(exc, caller) else EXIT_FAILED


def generate(
    client: WonderblogsClient,
    store: Store,
    topic: str,
    *,
    language: str | None,
    wait: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    resume: Callable[[str], str] = lambda run_id: "",
    on_stored: Callable[[str], None] | None = None,
) -> Outcome:
    """Create a run on ``topic`` and, unless ``wait`` is false, store its post.
    The input is checked by the client's own model first, so a bad topic or
    language costs no request and no quota. ``resume(run_id)`` is the command
    that picks the run up again; ``on_stored(run_id)`` runs once the post is saved."""
    where = store.location
    try:
        request = GeneratePostRequest.model_validate({"topic": topic, "language": language})
    except ValidationError as exc:
        document = {"topic": topic, "language": language}
        problems = "; ".join(describe_violations(document, exc))
        return Outcome(EXIT_USAGE, f"error: {problems}; no request was sent", store=where)
    try:
        accepted = client.generate_post(request.topic, language=request.language)
    except WonderblogsAPIError as exc:
        return Outcome(_api_failure(exc, None), f"error: {exc}", store=where)
    if not wait:
        return Outcome(
            EXIT_STORED,
            f"run {accepted.run_id} started; nothing stored yet",
            accepted.run_id,
            accepted.status,
            where,
            hint=f"store its post with: {resume(accepted.run_id)}",
        )
    return store_run(
        client,
        store,
        accepted,
        locale=language or DEFAULT_LOCALE,
        timeout=timeout,
        progress=progress,
        resume=resume,
        on_stored=on_stored,
    )


def store_run(
    client: WonderblogsClient,
    store: Store,
    run: str | RunAccepted,
    *,
    locale: str,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    resume: Callable[[str], str] = lambda run_id: "",
    on_stored: Callable[[str], None] | None = None,
) -> Outcome:
    """Wait for ``run`` and save its post into ``store`` as ``locale``."""
    run_id = run.run_id if isinstance(run, RunAccepted) else run
    where = store.location
    again = f"resume with: {resume(run_id)}"
    try:
        if progress is not None:
            progress.begin(run_id)
        finished = client.wait_for_run(run, timeout=timeout, on_status=progress)
    except KeyboardInterrupt:
        return Outcome(
            EXIT_INTERRUPTED, f"stopped waiting; run {run_id} goes on", run_id, None, where,
            hint=again,
        )  # fmt: skip
    except WaitTimeoutError as exc:
        status = exc.last_status.status if exc.last_status is not None else None
        return Outcome(
            EXIT_STILL_RUNNING,
            f"run {run_id} is still {status} after {timeout:g} s; nothing stored",
            run_id, status, where, hint=again,
        )  # fmt: skip
    except RunFailedError as exc:
        status = exc.run.status
        return Outcome(EXIT_FAILED, f"run {run_id} {status}: {exc.message}", run_id, status, where)
    except WonderblogsAPIError as exc:
        return Outcome(_api_failure(exc, run_id), f"error: {exc}", run_id, None, where)
    finally:
        if progress is not None:
            progress.end()
    if finished.post is None:
        return Outcome(
            EXIT_FAILED, f"run {run_id} completed without a post", run_id, finished.status, where
        )
    return _save(store, finished, locale, again, on_stored)


def _save(
    store: Store,
    finished: RunStatus,
    locale: str,
    again: str,
    on_stored: Callable[[str], None] | None,
) -> Outcome:
    assert finished.post is not None
    run_id, where = finished.run_id, store.location
    try:
        payload = finished.post.to_payload(locale)
    except ValidationError as exc:
        document: Any = finished.post.model_dump()
        problems = "; ".join(describe_violations(document, exc))
        return Outcome(
            EXIT_USAGE,
            f"error: the post of run {run_id} breaks a publish limit ({problems}); "
            "nothing was stored",
            run_id, finished.status, where,
        )  # fmt: skip
    try:
        store.save(payload)
    except PublishRejected as exc:
        return Outcome(
            EXIT_FAILED, f"error: not stored: {exc.message}", run_id, finished.status, where,
            payload.slug, payload.locale, hint=again,
        )  # fmt: skip
    except Exception as exc:
        return Outcome(
            EXIT_FAILED,
            f"error: the store at {redact_url(where)} failed: {describe_failure(exc)}",
            run_id, finished.status, where, payload.slug, payload.locale, hint=again,
        )  # fmt: skip
    if on_stored is not None:
        on_stored(run_id)
    return Outcome(
        EXIT_STORED,
        f"stored {payload.slug} ({payload.locale}) from run {run_id} in {where}",
        run_id, finished.status, where, payload.slug, payload.locale,
    )  # fmt: skip
