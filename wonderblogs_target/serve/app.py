"""The ASGI app behind ``wonderblogs-target serve``: the target endpoint, backed
by a store, and a read-only inbox for people."""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import AsyncIterator

from .._extras import missing_extra
from .._keys import KeyRing, bearer_token
from ..asgi import create_wonderblogs_app
from ..core import DEFAULT_MAX_BODY_SIZE
from ..stores import Store
from .config import ServeConfig
from .inbox import SECURITY_HEADERS, render_index, render_post

try:
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
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


def create_app(
    *,
    store: Store,
    config: ServeConfig,
    api_key: str | None,
    insecure_no_auth: bool = False,
) -> Starlette:
    """The served app. Without ``api_key``, only ``insecure_no_auth=True`` starts it."""

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
        revisions = await run_in_threadpool(store.revisions, post_id)
        return HTMLResponse(render_post(found, revisions), headers=SECURITY_HEADERS)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    routes = [
        *target.routes(TARGET_PATH),
        Route("/", index),
        Route("/posts/{post_id}", post),
        Route("/healthz", health),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
