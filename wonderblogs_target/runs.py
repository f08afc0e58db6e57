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
from typing import IO, Any, get_args

from pydantic import ValidationError

from .client import WonderblogsClient
from .errors import (
    AuthenticationError,
    BadRequestError,
    ImageJobFailedError,
    NotFoundError,
    PublishRejected,
    RunFailedError,
    WaitTimeoutError,
    WonderblogsAPIError,
    describe_violations,
)
from .models import PublishPayload
from .stores import Store, describe_failure
from .v1 import DEFAULT_RUN_TIMEOUT as DEFAULT_TIMEOUT
from .v1 import (
    GeneratedPost,
    GenerateImageRequest,
    GeneratePostRequest,
    ImageJob,
    Language,
    RewritePostRequest,
    RunAccepted,
    RunStatus,
    TranslatePostRequest,
)

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
    "cover",
    "generate",
    "rewrite",
    "store_run",
    "translate",
]

EXIT_STORED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_STILL_RUNNING = 3
EXIT_INTERRUPTED = 130
#: The default locale of a post whose language the command was not told.
DEFAULT_LOCALE = "en"
_LANGUAGES = frozenset(get_args(Language))


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
    #: The image job of ``cover``.
    job_id: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "run_id": self.run_id,
                **({"job_id": self.job_id} if self.job_id else {}),
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

    def begin(self, ident: str, what: str = "run") -> None:
        self._started = self.clock()
        self._last = None
        self.stream.write(f"waiting for {what} {ident}\n")
        self.stream.flush()

    def __call__(self, status: RunStatus | ImageJob) -> None:
        elapsed = self.clock() - self._started
        what = f"run {status.run_id}" if isinstance(status, RunStatus) else f"job {status.job_id}"
        if self.tty:
            self.stream.write(f"\r\x1b[K{what}: {status.status} ({elapsed:.0f} s)")
        elif status.status != self._last:
            self.stream.write(f"{what}: {status.status} after {elapsed:.0f} s\n")
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
    document: dict[str, Any] = {"topic": topic, "language": language}
    try:
        request = GeneratePostRequest.model_validate(document)
    except ValidationError as exc:
        return _invalid(document, exc, where)
    accepted = _started(
        lambda: client.generate_post(request.topic, language=request.language), where
    )
    if isinstance(accepted, Outcome):
        return accepted
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
    shape: Callable[[GeneratedPost], PublishPayload] | None = None,
) -> Outcome:
    """Wait for ``run`` and save its post into ``store`` as ``locale``
    (``shape`` turns the post into the payload, when not by the plain mapping)."""
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
    return _save(store, finished, shape or (lambda post: post.to_payload(locale)), again, on_stored)


def _save(
    store: Store,
    finished: RunStatus,
    shape: Callable[[GeneratedPost], PublishPayload],
    again: str,
    on_stored: Callable[[str], None] | None,
) -> Outcome:
    assert finished.post is not None
    run_id, where = finished.run_id, store.location
    try:
        payload = shape(finished.post)
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
            _store_failed(where, exc),
            run_id, finished.status, where, payload.slug, payload.locale, hint=again,
        )  # fmt: skip
    if on_stored is not None:
        on_stored(run_id)
    return Outcome(
        EXIT_STORED,
        f"stored {payload.slug} ({payload.locale}) from run {run_id} in {where}",
        run_id, finished.status, where, payload.slug, payload.locale,
    )  # fmt: skip


def _invalid(document: dict[str, Any], exc: ValidationError, where: str) -> Outcome:
    problems = "; ".join(describe_violations(document, exc))
    return Outcome(EXIT_USAGE, f"error: {problems}; no request was sent", store=where)


def _started(start: Callable[[], RunAccepted], where: str) -> RunAccepted | Outcome:
    """The run ``start`` creates, or the outcome of the API's refusal."""
    try:
        return start()
    except WonderblogsAPIError as exc:
        return Outcome(_api_failure(exc, None), f"error: {exc}", store=where)


def _as_stored(payload: PublishPayload, source: PublishPayload) -> PublishPayload:
    """A run's post under the stored post's slug, with its cover where the
    run made none (rewrites and translations make none)."""
    cover = payload.cover_image_url or source.cover_image_url
    return payload.model_copy(update={"slug": source.slug, "cover_image_url": cover})


def _store_failed(where: str, exc: Exception) -> str:
    return f"error: the store at {where} failed: {describe_failure(exc)}"


def _stored_post(store: Store, slug: str, locale: str) -> PublishPayload | Outcome:
    found = store.find(slug, locale)
    if found is None:
        return Outcome(
            EXIT_USAGE,
            f"error: no post {slug!r} ({locale}) in {store.location}; no request was sent",
            store=store.location,
        )
    return found.payload


def rewrite(
    client: WonderblogsClient,
    store: Store,
    slug: str,
    *,
    locale: str = DEFAULT_LOCALE,
    topic: str | None = None,
    research: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    resume: Callable[[str], str] = lambda run_id: "",
) -> Outcome:
    """Send the stored post's content to the rewrite API and store the result
    as a new revision of the same post: the same slug, locale and
    ``externalId``, and its cover kept (a rewrite makes none)."""
    source = _stored_post(store, slug, locale)
    if isinstance(source, Outcome):
        return source
    document: dict[str, Any] = {
        "existing_content": source.content,
        "topic": topic,
        "language": locale,
        "existing_slug": source.slug,
        "external_id": source.external_id,
        "research": research,
    }
    if locale not in _LANGUAGES:
        document.pop("language")  # a locale the API has no language for: the site's own
    try:
        request = RewritePostRequest.model_validate(document)
    except ValidationError as exc:
        return _invalid(document, exc, store.location)
    options = request.model_dump(exclude_none=True, exclude={"existing_content"})
    accepted = _started(
        lambda: client.rewrite_post(request.existing_content, **options), store.location
    )
    if isinstance(accepted, Outcome):
        return accepted

    def same_post(post: GeneratedPost) -> PublishPayload:
        payload = post.to_payload(locale, action="update", external_id=source.external_id)
        return _as_stored(payload, source)

    return store_run(
        client, store, accepted, locale=locale, timeout=timeout, progress=progress,
        resume=resume, shape=same_post,
    )  # fmt: skip


def translate(
    client: WonderblogsClient,
    store: Store,
    slug: str,
    *,
    to: str,
    locale: str = DEFAULT_LOCALE,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
    resume: Callable[[str], str] = lambda run_id: "",
) -> Outcome:
    """Translate the stored post into ``to`` and store it as the same slug in
    that locale: every store treats posts sharing a slug as translations of
    each other (Hugo's ``translationKey``, Wagtail's translation key, the
    Django app's locale column). The original's cover goes with it."""
    source = _stored_post(store, slug, locale)
    if isinstance(source, Outcome):
        return source
    document: dict[str, Any] = {
        "existing_content": source.content,
        "target_language": to,
        "existing_slug": source.slug,
        "external_id": source.external_id,
    }
    try:
        request = TranslatePostRequest.model_validate(document)
    except ValidationError as exc:
        return _invalid(document, exc, store.location)
    options = request.model_dump(exclude_none=True, exclude={"existing_content", "target_language"})
    accepted = _started(
        lambda: client.translate_post(request.existing_content, request.target_language, **options),
        store.location,
    )
    if isinstance(accepted, Outcome):
        return accepted

    def translated(post: GeneratedPost) -> PublishPayload:
        return _as_stored(post.to_payload(to), source)

    return store_run(
        client, store, accepted, locale=to, timeout=timeout, progress=progress,
        resume=resume, shape=translated,
    )  # fmt: skip


def cover(
    client: WonderblogsClient,
    store: Store,
    slug: str,
    *,
    locale: str = DEFAULT_LOCALE,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> Outcome:
    """Run an image job for the stored post and save it again with the image as
    its cover; a store that downloads covers (``images=download``) fetches it
    with its own limits and checks, as for any delivery."""
    source = _stored_post(store, slug, locale)
    if isinstance(source, Outcome):
        return source
    where = store.location
    document: dict[str, Any] = {"title": source.title, "content": source.content}
    try:
        request = GenerateImageRequest.model_validate(document)
    except ValidationError as exc:
        return _invalid(document, exc, where)
    try:
        accepted = client.generate_image(request.title, request.content)
        if progress is not None:
            progress.begin(accepted.job_id, "image job")
        try:
            job = client.wait_for_image(accepted, timeout=timeout, on_status=progress)
        finally:
            if progress is not None:
                progress.end()
    except KeyboardInterrupt:
        return Outcome(EXIT_INTERRUPTED, "stopped waiting; nothing stored", store=where)
    except WaitTimeoutError as exc:
        status = exc.last_status.status if exc.last_status is not None else None
        return Outcome(
            EXIT_STILL_RUNNING,
            f"the image job is still {status} after {timeout:g} s; nothing stored",
            status=status, store=where,
        )  # fmt: skip
    except ImageJobFailedError as exc:
        return Outcome(
            EXIT_FAILED, f"image job {exc.job.job_id} failed: {exc.message}", store=where
        )
    except WonderblogsAPIError as exc:
        return Outcome(_api_failure(exc, None), f"error: {exc}", store=where)
    if not job.image_url:
        return Outcome(
            EXIT_FAILED, f"image job {job.job_id} completed without an image", store=where
        )
    payload = source.model_copy(update={"cover_image_url": job.image_url})
    try:
        saved = store.save(payload)
    except Exception as exc:
        return Outcome(
            EXIT_FAILED, _store_failed(where, exc), status=job.status, store=where,
        )  # fmt: skip
    return Outcome(
        EXIT_STORED,
        f"stored the cover of {payload.slug} ({payload.locale}) from image job {job.job_id}; "
        f"revision {saved.revision}",
        status=job.status, store=where, slug=payload.slug, locale=payload.locale,
        job_id=job.job_id,
    )  # fmt: skip
