"""The ASGI app behind ``wonderblogs-target serve``: the target endpoint, backed
by a store, and a read-only inbox for people."""

from __future__ import annotations

import base64
import binascii
import contextlib
import ipaddress
from collections.abc import AsyncIterator, Sequence
from typing import Any, TextIO

from .._extras import missing_extra
from .._keys import KeyRing, bearer_token
from ..asgi import create_wonderblogs_app
from ..core import DEFAULT_MAX_BODY_SIZE
from ..stores import Store
from .access import AccessLog, Observed, Observer
from .config import ServeConfig
from .inbox import SECURITY_HEADERS, render_index, render_post

try:
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route
except ImportError as exc:  # pragma: no cover
    raise missing_extra("starlette", "serve") from exc

__all__ = ["TARGET_PATH", "create_app"]

TARGET_PATH = "/api/wonderblogs"
INBOX_LIMIT = 200


def _inbox_token(authorization: str | None) -> bytes | None:
    """The secret a browser or script presents: a bearer token, or the password
    of HTTP Basic auth (any user name), so a browser's own prompt works."""
    if not authorization:
        return None
    token = bearer_token(authorization)
    if token is not None:
        return token
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return None
        _, _, password = decoded.partition(b":")
        return password or None
    return None


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})


def _host_name(host: str) -> str:
    """``Example.com:8000`` -> ``example.com``; ``[::1]:8000`` -> ``[::1]``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]


def _is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


class LoopbackHostGuard:
    """On a loopback address, answer only requests that name a loopback host
    (or one given with ``--allowed-host``): a web page whose DNS name was
    rebound to 127.0.0.1 still sends its own name, and gets 421."""

    def __init__(self, app: Any, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            host = next((v for k, v in scope["headers"] if k == b"host"), b"")
            if _host_name(host.decode("latin-1")) not in self.allowed:
                refused = PlainTextResponse(
                    "Misdirected request: this server answers only to its own host names",
                    status_code=421,
                )
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _metrics(wanted: bool | None) -> Any:
    """The app's counters, or None when metrics are off or not installed."""
    if wanted is False:
        return None
    try:
        from .metrics import Metrics
    except ImportError:
        if wanted:
            raise
        return None
    return Metrics(TARGET_PATH)


#: Seconds a stopping server waits for the deferred job under way.
WORKER_STOP_WAIT = 10.0


def _worker(store: Store, config: ServeConfig) -> Any:
    """The worker for the store's deferred jobs, or None when it defers none."""
    from ..stores._jobs import job_queue_of

    queue = job_queue_of(store)
    if queue is None:
        return None
    from .worker import Worker

    return Worker(queue, getattr(store, "job_handlers", {}), backoff=config.deferred.backoff())


def create_app(
    *,
    store: Store,
    config: ServeConfig,
    api_key: str | None,
    insecure_no_auth: bool = False,
    host: str = "127.0.0.1",
    allowed_hosts: Sequence[str] = (),
    metrics: bool | None = None,
    metrics_public: bool = False,
    access_log: TextIO | None = None,
) -> Starlette:
    """The served app. Without ``api_key``, only ``insecure_no_auth=True`` starts it.
    Listening on ``host``, a loopback address, it answers only loopback host
    names and ``allowed_hosts``. ``/metrics`` is served when ``metrics`` (by
    default: when ``prometheus_client`` is installed), behind the inbox key
    unless ``metrics_public``. With ``access_log``, a line per request is
    written to that stream (what ``serve`` prints; see `AccessLog`)."""

    max_body = config.serve.max_body_size or DEFAULT_MAX_BODY_SIZE
    # The [context] table has no recent_articles: the target fills them from the store.
    if insecure_no_auth:
        target = create_wonderblogs_app(
            allow_unauthenticated=True,
            get_context=config.context,
            store=store,
            max_body_size=max_body,
        )
    else:
        target = create_wonderblogs_app(
            api_key=api_key, get_context=config.context, store=store, max_body_size=max_body
        )
    inbox_key = config.inbox.api_key or api_key
    inbox_keys = None if inbox_key is None else KeyRing(inbox_key)

    def refused(request: Request) -> Response | None:
        if inbox_keys is None or inbox_keys.matches_token(
            _inbox_token(request.headers.get("authorization"))
        ):
            return None
        return PlainTextResponse(
            "This inbox needs the key: any user name, the key as password.",
            status_code=401,
            headers={"www-authenticate": 'Basic realm="Wonderblogs inbox", charset="UTF-8"'},
        )

    async def index(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        posts = await run_in_threadpool(store.recent, INBOX_LIMIT)
        html = render_index(config.inbox.title, posts, demo=config.demo)
        return HTMLResponse(html, headers=SECURITY_HEADERS)

    async def post(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        post_id = request.path_params["post_id"]
        found = await run_in_threadpool(store.get, post_id)
        if found is None:
            return HTMLResponse("<h1>Not found</h1>", status_code=404, headers=SECURITY_HEADERS)
        earlier = await run_in_threadpool(store.revision_count, post_id)
        return HTMLResponse(render_post(found, earlier), headers=SECURITY_HEADERS)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    worker = _worker(store, config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                # A job still running then keeps its lease and runs again later.
                await run_in_threadpool(worker.stop, WORKER_STOP_WAIT)
            store.close()

    routes = [
        *target.routes(TARGET_PATH),
        Route("/", index),
        Route("/posts/{post_id}", post),
        Route("/healthz", health),
    ]
    middleware = []
    observers: list[Observer] = []
    if access_log is not None:
        observers.append(AccessLog(access_log))
    counters = _metrics(metrics)
    if counters is not None:
        from .metrics import CONTENT_TYPE_LATEST

        observers.append(counters)

        async def metrics_page(request: Request) -> Response:
            if not metrics_public and (denied := refused(request)) is not None:
                return denied
            return Response(counters.latest(), media_type=CONTENT_TYPE_LATEST)

        routes.append(Route("/metrics", metrics_page))
    if observers:
        # Outside the Host check, so that every answer is counted and logged,
        # a refused Host included.
        middleware.append(Middleware(Observed, observers=observers))
    if _is_loopback(host):
        allowed = LOOPBACK_NAMES | {_host_name(name) for name in allowed_hosts}
        middleware.append(Middleware(LoopbackHostGuard, allowed=frozenset(allowed)))
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
