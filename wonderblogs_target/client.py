"""Client of the Wonderblogs v1 API, sync and async, with the polling written for you.

    from wonderblogs_target.client import WonderblogsClient

    with WonderblogsClient(api_key) as client:
        accepted = client.generate_post("Cutting cloud spend without slowing teams down")
        run = client.wait_for_run(accepted)
        print(run.post.title)

Both clients share one implementation: each operation is a generator that
yields the three things that differ between sync and async code (send a
request, sleep, read the clock), and each client only carries those out. So
retry and polling rules exist once, and a fake clock makes them testable
without sleeping.

Retries are careful about the monthly quota: a GET is retried on 429, 5xx and
connection errors; a creating POST only when it surely was not processed (a
429, or a connection that failed before the request was sent).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeAlias, TypeVar
from urllib.parse import quote, urljoin, urlsplit

from pydantic import BaseModel
from typing_extensions import TypedDict, Unpack

from ._extras import missing_extra

try:
    import httpx
except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
    raise missing_extra("httpx", "client") from exc

from ._flow import run_flow, run_flow_async
from ._images import Capped, DownloadedImage, ImageLimits, checked_image
from .errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ImageJobFailedError,
    NotFoundError,
    RateLimitError,
    RunFailedError,
    RunSkippedError,
    ServerError,
    WaitTimeoutError,
    WonderblogsAPIError,
)
from .v1 import (
    IMAGE_TERMINAL,
    RUN_TERMINAL,
    GenerateImageRequest,
    GeneratePostRequest,
    ImageJob,
    ImageJobAccepted,
    Language,
    RewritePostRequest,
    RunAccepted,
    RunStatus,
    TranslatePostRequest,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "AsyncWonderblogsClient",
    "AuthenticationError",
    "BadRequestError",
    "ImageJobFailedError",
    "NotFoundError",
    "PollPolicy",
    "RateLimitError",
    "RetryPolicy",
    "RewriteOptions",
    "RunFailedError",
    "RunSkippedError",
    "ServerError",
    "TranslateOptions",
    "WaitTimeoutError",
    "WonderblogsAPIError",
    "WonderblogsClient",
]

logger = logging.getLogger("wonderblogs_target.client")

DEFAULT_BASE_URL = "https://www.wonderblogs.org"
T = TypeVar("T")


# -- errors -------------------------------------------------------------------------


_ERRORS: dict[int, type[WonderblogsAPIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    429: RateLimitError,
}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_from_response(response: httpx.Response) -> WonderblogsAPIError:
    """The typed error for a non-2xx answer."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = response.reason_phrase or "error"
    details: list[Any] = []
    if isinstance(body, dict):
        message = str(body.get("error") or message)
        raw_details = body.get("details")
        details = raw_details if isinstance(raw_details, list) else []
    status = response.status_code
    if status == 429:
        return RateLimitError(
            message, status=status, details=details, retry_after=_retry_after(response)
        )
    cls = _ERRORS.get(status, ServerError if status >= 500 else WonderblogsAPIError)
    return cls(message, status=status, details=details)


# -- options ------------------------------------------------------------------------


class RewriteOptions(TypedDict, total=False):
    """The optional arguments of ``rewrite_post``."""

    topic: str | None
    language: Language | None
    existing_slug: str | None
    external_id: str | None
    research: bool
    callback_url: str | None


class TranslateOptions(TypedDict, total=False):
    """The optional arguments of ``translate_post``."""

    topic: str | None
    existing_slug: str | None
    external_id: str | None
    callback_url: str | None


# -- policies -----------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff for retried requests."""

    max_retries: int = 3
    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 8.0

    def delay(self, attempt: int) -> float:
        return float(min(self.initial * self.factor**attempt, self.maximum))


@dataclass(frozen=True)
class PollPolicy:
    """How often to ask about a run: 1 s, growing by 1.5x, at most 5 s (by default)."""

    initial: float = 1.0
    factor: float = 1.5
    maximum: float = 5.0


# -- the shared implementation --------------------------------------------------------


def same_origin(url: str, base_url: str) -> bool:
    """Whether ``url`` is on the API's own host: the only place the key may go."""
    ours, theirs = urlsplit(base_url), urlsplit(url)
    return (ours.scheme, ours.hostname, ours.port) == (theirs.scheme, theirs.hostname, theirs.port)


@dataclass(frozen=True)
class _Send:
    method: str
    url: str
    json: Any = None
    authenticated: bool = True
    follow_redirects: bool = False
    #: Stream the body and stop at these limits (image downloads).
    limits: ImageLimits | None = None


@dataclass(frozen=True)
class _Sleep:
    seconds: float


@dataclass(frozen=True)
class _Now:
    pass


_Step: TypeAlias = _Send | _Sleep | _Now
_Op: TypeAlias = Generator[_Step, Any, T]

# Failures raised before a request leaves the machine: safe to retry a POST.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


class _Operations:
    def __init__(
        self,
        api_key: str,
        base_url: str,
        retry: RetryPolicy,
        poll: PollPolicy,
    ) -> None:
        if not isinstance(api_key, str) or not api_key or api_key != api_key.strip():
            raise ConfigurationError(
                "api_key must be a non-empty string without surrounding spaces"
            )
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"base_url must be an http(s) URL, got {base_url!r}")
        self._key = api_key
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.poll = poll

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    def _same_origin(self, url: str) -> bool:
        return same_origin(url, self.base_url)

    def _resolve(self, path_or_url: str) -> str:
        return urljoin(self.base_url + "/", path_or_url)

    def request(
        self, method: str, path: str, body: Any = None, *, creating: bool = False
    ) -> _Op[Any]:
        url = self._resolve(path)
        response = yield from self._send(_Send(method, url, body), creating=creating)
        return response.json()

    def _send(self, send: _Send, *, creating: bool = False) -> _Op[httpx.Response]:
        attempt = 0
        while True:
            try:
                response: httpx.Response = yield send
            except httpx.TransportError as exc:
                if attempt < self.retry.max_retries and (
                    not creating or isinstance(exc, _NOT_SENT)
                ):
                    logger.info("%s %s: %s, retrying", send.method, send.url, type(exc).__name__)
                    yield _Sleep(self.retry.delay(attempt))
                    attempt += 1
                    continue
                raise APIConnectionError(
                    f"{send.method} {send.url} failed: {type(exc).__name__}"
                ) from exc
            if response.status_code < 400:
                return response
            error = error_from_response(response)
            retryable = response.status_code == 429 or (
                not creating and response.status_code >= 500
            )
            if not retryable or attempt >= self.retry.max_retries:
                raise error
            delay = self.retry.delay(attempt)
            if isinstance(error, RateLimitError) and error.retry_after is not None:
                delay = error.retry_after
            logger.info("%s %s: %s, retrying in %.1fs", send.method, send.url, error.status, delay)
            yield _Sleep(delay)
            attempt += 1

    # Creating calls: validated before anything is sent.
    def create(self, path: str, request: BaseModel, answer: type[T]) -> _Op[T]:
        body = request.model_dump(mode="json", exclude_none=True)
        data = yield from self.request("POST", path, body, creating=True)
        result: T = answer.model_validate(data)  # type: ignore[attr-defined]
        return result

    def generate(
        self, topic: str, language: Language | None, callback_url: str | None
    ) -> _Op[RunAccepted]:
        request = GeneratePostRequest(topic=topic, language=language, callback_url=callback_url)
        return self.create("/api/v1/posts/generate", request, RunAccepted)

    def rewrite(self, existing_content: str, options: RewriteOptions) -> _Op[RunAccepted]:
        request = RewritePostRequest(existing_content=existing_content, **options)
        return self.create("/api/v1/posts/rewrite", request, RunAccepted)

    def translate(
        self, existing_content: str, target_language: Language, options: TranslateOptions
    ) -> _Op[RunAccepted]:
        request = TranslatePostRequest(
            existing_content=existing_content, target_language=target_language, **options
        )
        return self.create("/api/v1/posts/translate", request, RunAccepted)

    def image(self, title: str, content: str, callback_url: str | None) -> _Op[ImageJobAccepted]:
        request = GenerateImageRequest(title=title, content=content, callback_url=callback_url)
        return self.create("/api/v1/images/generate", request, ImageJobAccepted)

    def get(self, path: str, answer: type[T]) -> _Op[T]:
        data = yield from self.request("GET", path)
        result: T = answer.model_validate(data)  # type: ignore[attr-defined]
        return result

    def run(self, run_id: str) -> _Op[RunStatus]:
        return self.get(f"/api/v1/posts/runs/{quote(run_id, safe='')}", RunStatus)

    def image_job(self, job_id: str) -> _Op[ImageJob]:
        return self.get(f"/api/v1/images/jobs/{quote(job_id, safe='')}", ImageJob)

    def poll_path(self, default: str, poll_url: str | None) -> str:
        """The server's ``poll_url`` when it points at the API itself, else ``default``."""
        if poll_url and (poll_url.startswith("/") or self._same_origin(poll_url)):
            return poll_url
        return default

    def wait(
        self,
        path: str,
        answer: type[RunStatus] | type[ImageJob],
        terminal: frozenset[str],
        timeout: float,
        on_status: Callable[[Any], None] | None = None,
    ) -> _Op[RunStatus | ImageJob]:
        if timeout <= 0:
            raise ConfigurationError("timeout must be positive")
        start: float = yield _Now()
        interval = self.poll.initial
        while True:
            last = yield from self.get(path, answer)
            if on_status is not None:
                on_status(last)
            if last.status in terminal:
                return last
            elapsed = (yield _Now()) - start
            if elapsed >= timeout:
                raise WaitTimeoutError(
                    f"still {last.status!r} after {timeout:g} s", last_status=last
                )
            yield _Sleep(min(interval, timeout - elapsed))
            interval = min(interval * self.poll.factor, self.poll.maximum)

    def wait_for_run(
        self,
        run: str | RunAccepted,
        timeout: float,
        raise_on_failure: bool,
        on_status: Callable[[RunStatus], None] | None = None,
    ) -> _Op[RunStatus]:
        run_id, poll_url = (
            (run.run_id, run.poll_url) if isinstance(run, RunAccepted) else (run, None)
        )
        path = self.poll_path(f"/api/v1/posts/runs/{quote(run_id, safe='')}", poll_url)
        result = yield from self.wait(path, RunStatus, RUN_TERMINAL, timeout, on_status)
        assert isinstance(result, RunStatus)
        if raise_on_failure and result.status == "failed":
            raise RunFailedError(result)
        if raise_on_failure and result.status == "skipped":
            raise RunSkippedError(result)
        return result

    def wait_for_image(
        self,
        job: str | ImageJobAccepted,
        timeout: float,
        raise_on_failure: bool,
        on_status: Callable[[ImageJob], None] | None = None,
    ) -> _Op[ImageJob]:
        job_id, poll_url = (
            (job.job_id, job.poll_url) if isinstance(job, ImageJobAccepted) else (job, None)
        )
        path = self.poll_path(f"/api/v1/images/jobs/{quote(job_id, safe='')}", poll_url)
        result = yield from self.wait(path, ImageJob, IMAGE_TERMINAL, timeout, on_status)
        assert isinstance(result, ImageJob)
        if raise_on_failure and result.status == "failed":
            raise ImageJobFailedError(result)
        return result

    def download(self, url_or_path: str, limits: ImageLimits | None = None) -> _Op[httpx.Response]:
        url = self._resolve(url_or_path)
        # The key goes to the API's own host only, never to an image CDN.
        send = _Send(
            "GET", url, authenticated=self._same_origin(url), follow_redirects=True, limits=limits
        )
        response: httpx.Response = yield from self._send(send)
        return response

    def fetch_image(self, url_or_path: str, limits: ImageLimits) -> _Op[DownloadedImage]:
        response = yield from self.download(url_or_path, limits)
        return checked_image(response.headers, response.content)


# -- the two clients ----------------------------------------------------------------


def _build_request(
    http: httpx.Client | httpx.AsyncClient, ops: _Operations, send: _Send
) -> httpx.Request:
    # Per request, not as client defaults: a default header would follow an
    # absolute URL to any host.
    headers = ops.auth_headers() if send.authenticated else {}
    return http.build_request(send.method, send.url, json=send.json, headers=headers)


def _read_back(streamed: httpx.Response, body: bytes) -> httpx.Response:
    """A whole response from a streamed one read within limits (decoded already,
    so without the headers that would decode it again)."""
    headers = [
        (name, value)
        for name, value in streamed.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        streamed.status_code, headers=headers, content=body, request=streamed.request
    )


class _ClientBase:
    _ops: _Operations

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._ops.base_url!r})"

    @property
    def base_url(self) -> str:
        return self._ops.base_url


class WonderblogsClient(_ClientBase):
    """Sync client. ``transport`` takes any httpx transport, such as the emulator's."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ops = _Operations(api_key, base_url, retry or RetryPolicy(), poll or PollPolicy())
        self._http = httpx.Client(timeout=timeout, transport=transport)
        self._sleep = sleep
        self._clock = clock

    def _perform(self, step: _Step) -> Any:
        if isinstance(step, _Send):
            request = _build_request(self._http, self._ops, step)
            if step.limits is None:
                return self._http.send(request, follow_redirects=step.follow_redirects)
            response = self._http.send(request, follow_redirects=True, stream=True)
            try:
                capped = Capped(step.limits)
                capped.check_announced(response.headers)
                for chunk in response.iter_bytes():
                    capped.add(chunk)
            finally:
                response.close()
            return _read_back(response, capped.body())
        if isinstance(step, _Sleep):
            return self._sleep(step.seconds)
        return self._clock()

    def _run(self, op: _Op[T]) -> T:
        return run_flow(op, self._perform)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WonderblogsClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def generate_post(
        self, topic: str, *, language: Language | None = None, callback_url: str | None = None
    ) -> RunAccepted:
        """Start a post on ``topic``; returns at once with the run to wait for."""
        return self._run(self._ops.generate(topic, language, callback_url))

    def rewrite_post(self, existing_content: str, **options: Unpack[RewriteOptions]) -> RunAccepted:
        """Rewrite a post in the site's voice; it is published with ``action: "update"``.
        Options: ``topic``, ``language``, ``existing_slug``, ``external_id``,
        ``research``, ``callback_url``."""
        return self._run(self._ops.rewrite(existing_content, options))

    def translate_post(
        self,
        existing_content: str,
        target_language: Language,
        **options: Unpack[TranslateOptions],
    ) -> RunAccepted:
        """Translate an existing post into ``target_language``. Options: ``topic``,
        ``existing_slug``, ``external_id``, ``callback_url``."""
        return self._run(self._ops.translate(existing_content, target_language, options))

    def generate_image(
        self, title: str, content: str, *, callback_url: str | None = None
    ) -> ImageJobAccepted:
        """Start a cover image for a post."""
        return self._run(self._ops.image(title, content, callback_url))

    def get_run(self, run_id: str) -> RunStatus:
        """The run's current state."""
        return self._run(self._ops.run(run_id))

    def get_image_job(self, job_id: str) -> ImageJob:
        """The image job's current state."""
        return self._run(self._ops.image_job(job_id))

    def wait_for_run(
        self,
        run_id: str | RunAccepted,
        *,
        timeout: float = 600.0,
        raise_on_failure: bool = True,
        on_status: Callable[[RunStatus], None] | None = None,
    ) -> RunStatus:
        """Poll until the run ends. A failed or skipped run raises
        [`RunFailedError`][wonderblogs_target.errors.RunFailedError] /
        [`RunSkippedError`][wonderblogs_target.errors.RunSkippedError] unless
        ``raise_on_failure=False``. ``on_status`` sees every status polled
        (a progress display, say)."""
        return self._run(self._ops.wait_for_run(run_id, timeout, raise_on_failure, on_status))

    def wait_for_image(
        self,
        job_id: str | ImageJobAccepted,
        *,
        timeout: float = 300.0,
        raise_on_failure: bool = True,
        on_status: Callable[[ImageJob], None] | None = None,
    ) -> ImageJob:
        """Poll until the image job ends; a failed job raises
        [`ImageJobFailedError`][wonderblogs_target.errors.ImageJobFailedError].
        ``on_status`` sees every status polled."""
        return self._run(self._ops.wait_for_image(job_id, timeout, raise_on_failure, on_status))

    def download_image(self, url_or_path: str) -> bytes:
        """The image's bytes. Relative ``/api/v1/images/download/...`` paths are
        fetched from the API with the key; other hosts never see it."""
        return self._run(self._ops.download(url_or_path)).content

    def fetch_image(
        self, url_or_path: str, *, limits: ImageLimits | None = None
    ) -> DownloadedImage:
        """Like [`download_image`][wonderblogs_target.client.WonderblogsClient.download_image], for
        keeping a copy: stops at the size and
        time limits, and takes only image types a site can serve safely; raises
        [`ImageDownloadError`][wonderblogs_target.errors.ImageDownloadError] with the reason."""
        return self._run(self._ops.fetch_image(url_or_path, limits or ImageLimits()))


class AsyncWonderblogsClient(_ClientBase):
    """Async client with the same methods as
    [`WonderblogsClient`][wonderblogs_target.client.WonderblogsClient]."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ops = _Operations(api_key, base_url, retry or RetryPolicy(), poll or PollPolicy())
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)
        self._sleep = sleep
        self._clock = clock

    async def _perform(self, step: _Step) -> Any:
        if isinstance(step, _Send):
            request = _build_request(self._http, self._ops, step)
            if step.limits is None:
                return await self._http.send(request, follow_redirects=step.follow_redirects)
            response = await self._http.send(request, follow_redirects=True, stream=True)
            try:
                capped = Capped(step.limits)
                capped.check_announced(response.headers)
                async for chunk in response.aiter_bytes():
                    capped.add(chunk)
            finally:
                await response.aclose()
            return _read_back(response, capped.body())
        if isinstance(step, _Sleep):
            return await self._sleep(step.seconds)
        return self._clock()

    async def _run(self, op: _Op[T]) -> T:
        return await run_flow_async(op, self._perform)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncWonderblogsClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def generate_post(
        self, topic: str, *, language: Language | None = None, callback_url: str | None = None
    ) -> RunAccepted:
        """Start a post on ``topic``; returns at once with the run to wait for."""
        return await self._run(self._ops.generate(topic, language, callback_url))

    async def rewrite_post(
        self, existing_content: str, **options: Unpack[RewriteOptions]
    ) -> RunAccepted:
        """Rewrite a post in the site's voice; it is published with ``action: "update"``.
        Options: ``topic``, ``language``, ``existing_slug``, ``external_id``,
        ``research``, ``callback_url``."""
        return await self._run(self._ops.rewrite(existing_content, options))

    async def translate_post(
        self,
        existing_content: str,
        target_language: Language,
        **options: Unpack[TranslateOptions],
    ) -> RunAccepted:
        """Translate an existing post into ``target_language``. Options: ``topic``,
        ``existing_slug``, ``external_id``, ``callback_url``."""
        return await self._run(self._ops.translate(existing_content, target_language, options))

    async def generate_image(
        self, title: str, content: str, *, callback_url: str | None = None
    ) -> ImageJobAccepted:
        """Start a cover image for a post."""
        return await self._run(self._ops.image(title, content, callback_url))

    async def get_run(self, run_id: str) -> RunStatus:
        """The run's current state."""
        return await self._run(self._ops.run(run_id))

    async def get_image_job(self, job_id: str) -> ImageJob:
        """The image job's current state."""
        return await self._run(self._ops.image_job(job_id))

    async def wait_for_run(
        self,
        run_id: str | RunAccepted,
        *,
        timeout: float = 600.0,
        raise_on_failure: bool = True,
        on_status: Callable[[RunStatus], None] | None = None,
    ) -> RunStatus:
        """Poll until the run ends. A failed or skipped run raises
        [`RunFailedError`][wonderblogs_target.errors.RunFailedError] /
        [`RunSkippedError`][wonderblogs_target.errors.RunSkippedError] unless
        ``raise_on_failure=False``. ``on_status`` sees every status polled
        (a progress display, say)."""
        return await self._run(self._ops.wait_for_run(run_id, timeout, raise_on_failure, on_status))

    async def wait_for_image(
        self,
        job_id: str | ImageJobAccepted,
        *,
        timeout: float = 300.0,
        raise_on_failure: bool = True,
        on_status: Callable[[ImageJob], None] | None = None,
    ) -> ImageJob:
        """Poll until the image job ends; a failed job raises
        [`ImageJobFailedError`][wonderblogs_target.errors.ImageJobFailedError].
        ``on_status`` sees every status polled."""
        return await self._run(
            self._ops.wait_for_image(job_id, timeout, raise_on_failure, on_status)
        )

    async def download_image(self, url_or_path: str) -> bytes:
        """The image's bytes. Relative ``/api/v1/images/download/...`` paths are
        fetched from the API with the key; other hosts never see it."""
        return (await self._run(self._ops.download(url_or_path))).content

    async def fetch_image(
        self, url_or_path: str, *, limits: ImageLimits | None = None
    ) -> DownloadedImage:
        """Like [`download_image`][wonderblogs_target.client.AsyncWonderblogsClient.download_image],
        for keeping a copy: stops at the size and
        time limits, and takes only image types a site can serve safely; raises
        [`ImageDownloadError`][wonderblogs_target.errors.ImageDownloadError] with the reason."""
        return await self._run(self._ops.fetch_image(url_or_path, limits or ImageLimits()))
