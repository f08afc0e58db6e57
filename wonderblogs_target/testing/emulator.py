"""The v1 API emulator: the service's answers, limits and signed callbacks,
in process or as an httpx transport, so a client's tests need no network."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .._concurrency import run_async_from_sync, run_sync_in_thread
from .._extras import missing_extra
from .._keys import bearer_token
from ..callbacks.signing import sign_payload
from ..v1 import (
    GenerateImageRequest,
    GeneratePostRequest,
    RewritePostRequest,
    TranslatePostRequest,
)
from .factories import PNG_PIXEL

if TYPE_CHECKING:
    from ..client import AsyncWonderblogsClient, WonderblogsClient

try:
    import httpx
except ImportError as exc:  # pragma: no cover
    raise missing_extra("httpx", "client") from exc

__all__ = [
    "CALLBACK_BACKOFF",
    "IMAGES_PER_MINUTE",
    "POSTS_PER_MINUTE",
    "Delivery",
    "WonderblogsEmulator",
]

POSTS_PER_MINUTE = 5
IMAGES_PER_MINUTE = 10
CALLBACK_BACKOFF = (1.0, 2.0, 4.0)  # three retries after the first attempt


@dataclass
class Delivery:
    """One callback the emulator sent (or tried to), for assertions in tests."""

    url: str
    event: dict[str, Any]
    statuses: list[int | None] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return bool(self.statuses) and self.statuses[-1] is not None and self.statuses[-1] < 300


@dataclass
class _Job:
    kind: str  # "run" or "image"
    ident: str
    owner: str
    status: str
    outcome: str
    error: str | None
    request: BaseModel
    created_at: str
    callback_url: str | None
    polls: int = 0
    completed_at: str | None = None
    result: dict[str, Any] = field(default_factory=dict)


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:200] or "post"


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def _issues(exc: ValidationError) -> list[dict[str, Any]]:
    """Validation issues in the shape the service uses (Zod-like)."""
    return [
        {"code": e["type"], "path": list(e["loc"]), "message": e["msg"]}
        for e in exc.errors(include_input=False, include_url=False)
    ]


class WonderblogsEmulator:
    """A faithful, in-process stand-in for the v1 API."""

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = ("wb_test_key",),
        target_key: str | None = None,
        rate_limit: bool = False,
        polls_to_finish: int = 2,
        clock: Callable[[], float] = time.monotonic,
        callback_transport: httpx.BaseTransport | None = None,
        callback_sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_keys = set(api_keys)
        self.target_key = target_key
        self.rate_limit = rate_limit
        self.polls_to_finish = max(1, polls_to_finish)
        self.clock = clock
        self.callback_transport = callback_transport
        self.callback_sleep = callback_sleep
        self.jobs: dict[str, _Job] = {}
        self.deliveries: list[Delivery] = []
        self.requests: list[tuple[str, str]] = []
        self._outcomes: deque[tuple[str, str | None]] = deque()
        self._hits: MutableMapping[tuple[str, str], deque[float]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._clients: list[WonderblogsClient | AsyncWonderblogsClient] = []

    # -- steering from tests -------------------------------------------------------

    def next_outcome(self, status: str, error: str | None = None) -> None:
        """Make the next created run or image job end as ``status`` ("failed", "skipped")."""
        self._outcomes.append((status, error))

    def finish_all(self) -> None:
        """Bring every unfinished run and job to its end, sending its callbacks."""
        with self._lock:
            pending = [job for job in self.jobs.values() if job.completed_at is None]
        for job in pending:
            self._finish(job)

    def transport(self) -> httpx.MockTransport:
        """An httpx transport for `WonderblogsClient` and the async client alike."""
        return httpx.MockTransport(self.handle)

    def client(self, **options: Any) -> WonderblogsClient:
        """A client of this emulator with its first key, polling without sleeping;
        ``options`` go to [`WonderblogsClient`][wonderblogs_target.client.WonderblogsClient].
        Closed by [`close`][wonderblogs_target.testing.WonderblogsEmulator.close]."""
        from ..client import WonderblogsClient

        options.setdefault("sleep", lambda seconds: None)
        client = WonderblogsClient(self._first_key(), transport=self.transport(), **options)
        self._clients.append(client)
        return client

    def async_client(self, **options: Any) -> AsyncWonderblogsClient:
        """The async twin of [`client`][wonderblogs_target.testing.WonderblogsEmulator.client]."""
        from ..client import AsyncWonderblogsClient

        async def no_sleep(seconds: float) -> None:
            return None

        options.setdefault("sleep", no_sleep)
        client = AsyncWonderblogsClient(self._first_key(), transport=self.transport(), **options)
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every client made by
        [`client`][wonderblogs_target.testing.WonderblogsEmulator.client] and
        [`async_client`][wonderblogs_target.testing.WonderblogsEmulator.async_client]."""
        from ..client import WonderblogsClient

        for client in self._clients:
            if isinstance(client, WonderblogsClient):
                client.close()
            else:
                run_async_from_sync(client.aclose())
        self._clients.clear()

    def _first_key(self) -> str:
        return sorted(self.api_keys)[0]

    # -- the API ------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request as the service would."""
        path = request.url.path
        self.requests.append((request.method, path))
        key = self._key(request)
        if key is None:
            return _json(401, {"error": "Invalid or expired API key"})
        creating: dict[str, tuple[type[BaseModel], str]] = {
            "/api/v1/posts/generate": (GeneratePostRequest, "run"),
            "/api/v1/posts/rewrite": (RewritePostRequest, "run"),
            "/api/v1/posts/translate": (TranslatePostRequest, "run"),
            "/api/v1/images/generate": (GenerateImageRequest, "image"),
        }
        if path in creating:
            if request.method != "POST":
                return _json(405, {"error": "Method not allowed"})
            model, kind = creating[path]
            return self._create(key, kind, model, request.content)
        if request.method != "GET":
            return _json(405, {"error": "Method not allowed"})
        if match := re.fullmatch(r"/api/v1/posts/runs/([^/]+)", path):
            return self._status(key, "run", match.group(1), "Run not found")
        if match := re.fullmatch(r"/api/v1/images/jobs/([^/]+)", path):
            return self._status(key, "image", match.group(1), "Job not found")
        if match := re.fullmatch(r"/api/v1/images/download/(post|job)/([^/]+)", path):
            return self._download(key, match.group(2))
        return _json(404, {"error": "Not found"})

    def _key(self, request: httpx.Request) -> str | None:
        token = bearer_token(request.headers.get("authorization"))
        key = None if token is None else token.decode("latin-1")
        return key if key in self.api_keys else None

    def _limited(self, key: str, kind: str) -> httpx.Response | None:
        if not self.rate_limit:
            return None
        limit = POSTS_PER_MINUTE if kind == "run" else IMAGES_PER_MINUTE
        now = self.clock()
        hits = self._hits[(key, kind)]
        while hits and now - hits[0] >= 60:
            hits.popleft()
        if len(hits) >= limit:
            wait = max(1, int(60 - (now - hits[0]) + 0.999))
            return _json(
                429,
                {"error": f"Rate limit exceeded. Max {limit} requests per minute."},
                {"Retry-After": str(wait)},
            )
        hits.append(now)
        return None

    def _create(
        self, key: str, kind: str, model: type[BaseModel], content: bytes
    ) -> httpx.Response:
        try:
            document = json.loads(content)
        except ValueError:
            return _json(400, {"error": "Invalid JSON"})
        try:
            request = model.model_validate(document)
        except ValidationError as exc:
            return _json(400, {"error": "Invalid request body", "details": _issues(exc)})
        limited = self._limited(key, kind)
        if limited is not None:
            return limited
        outcome, error = self._outcomes.popleft() if self._outcomes else ("completed", None)
        ident = f"{kind}-{next(self._ids):04d}"
        job = _Job(
            kind=kind,
            ident=ident,
            owner=key,
            status="pending",
            outcome=outcome,
            error=error,
            request=request,
            created_at=_now_iso(),
            callback_url=getattr(request, "callback_url", None),
        )
        with self._lock:
            self.jobs[ident] = job
        if kind == "run":
            body = {"run_id": ident, "status": "pending", "poll_url": f"/api/v1/posts/runs/{ident}"}
        else:
            body = {
                "job_id": ident,
                "status": "pending",
                "poll_url": f"/api/v1/images/jobs/{ident}",
            }
        return _json(202, body)

    def _status(self, key: str, kind: str, ident: str, missing: str) -> httpx.Response:
        job = self.jobs.get(ident)
        if job is None or job.kind != kind or job.owner != key:
            return _json(404, {"error": missing})
        if job.completed_at is None:
            job.polls += 1
            if job.polls >= self.polls_to_finish:
                self._finish(job)
            else:
                job.status = "running" if kind == "run" else "processing"
        return _json(200, self._view(job))

    def _download(self, key: str, ident: str) -> httpx.Response:
        job = self.jobs.get(ident)
        if job is None or job.owner != key or job.status != "completed":
            return _json(404, {"error": "Image not found"})
        return httpx.Response(200, content=PNG_PIXEL, headers={"Content-Type": "image/png"})

    # -- life of a job --------------------------------------------------------------------

    def _result(self, job: _Job) -> dict[str, Any]:
        if job.kind == "image":
            return {"image_url": f"/api/v1/images/download/job/{job.ident}"}
        request = job.request
        topic = getattr(request, "topic", None) or "Rewritten post"
        slug = getattr(request, "existing_slug", None) or _slugify(topic)
        post: dict[str, Any] = {
            "title": topic[:1].upper() + topic[1:],
            "slug": slug,
            "content": (
                f"## {topic}\n\nA post written by the emulator, long enough to be rewritten, "
                "translated and given a cover as a real one would be.\n\n"
                "- one point\n- another point\n\nAnd a closing paragraph for the reader."
            ),
            "meta_title": topic[:200],
            "meta_description": f"What to know about {topic}."[:500],
            "tags": sorted({w.lower() for w in re.findall(r"[A-Za-z]{4,}", topic)})[:5],
        }
        if isinstance(request, GeneratePostRequest):  # rewrites and translations get no image
            post["image_url"] = f"/api/v1/images/download/post/{job.ident}"
        return {"post": post}

    def _view(self, job: _Job) -> dict[str, Any]:
        ident = "run_id" if job.kind == "run" else "job_id"
        view: dict[str, Any] = {ident: job.ident, "status": job.status}
        view.update(job.result)
        if job.status in ("failed", "skipped"):
            view["error"] = job.error or f"{job.kind} {job.status}"
        view["created_at"] = job.created_at
        if job.completed_at:
            view["completed_at"] = job.completed_at
        return view

    def _finish(self, job: _Job) -> None:
        with self._lock:
            if job.completed_at is not None:
                return
            job.status = job.outcome
            job.completed_at = _now_iso()
            if job.outcome == "completed":
                job.result = self._result(job)
        if job.callback_url:
            event = {"event": f"{job.kind}.{job.status}", **self._view(job)}
            if job.kind == "run":
                event.pop("created_at", None)
                event.pop("completed_at", None)
            self._deliver(job.callback_url, event)

    def _deliver(self, url: str, event: dict[str, Any]) -> None:
        body = json.dumps(event).encode()
        delivery = Delivery(url, event)
        self.deliveries.append(delivery)
        with httpx.Client(transport=self.callback_transport, timeout=30) as http:
            for attempt in range(len(CALLBACK_BACKOFF) + 1):
                headers = {"Content-Type": "application/json"}
                if self.target_key:
                    headers.update(sign_payload(body, self.target_key))
                try:
                    status: int | None = http.post(url, content=body, headers=headers).status_code
                except httpx.TransportError:
                    status = None
                delivery.statuses.append(status)
                if status is not None and status < 500:
                    return  # delivered, or a 4xx: the documented rule stops retrying
                if attempt < len(CALLBACK_BACKOFF):
                    self.callback_sleep(CALLBACK_BACKOFF[attempt])

    # -- ASGI -------------------------------------------------------------------------------

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Any],
        send: Callable[[MutableMapping[str, Any]], Any],
    ) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw_query = scope.get("query_string", b"")
        request = httpx.Request(
            scope["method"],
            httpx.URL(path=scope["path"], query=raw_query),
            headers=[(k, v) for k, v in scope["headers"]],
            content=b"".join(chunks),
        )
        # Callbacks are delivered with blocking I/O; keep it off the event loop.
        response = await run_sync_in_thread(self.handle, request)
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": list(response.headers.raw),
            }
        )
        await send({"type": "http.response.body", "body": response.content})
