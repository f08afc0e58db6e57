"""A plain ASGI app for the target endpoint: Starlette, FastAPI's ``mount``,
Litestar, Quart, or a bare ASGI server.

It needs no framework. It answers on whatever path it is given, so both
``/api/wonderblogs`` and ``/api/wonderblogs/`` reach the handler and it never
answers with a redirect (Wonderblogs does not follow one for a POST)::

    from starlette.routing import Route
    from wonderblogs_target.asgi import create_wonderblogs_app

    wonderblogs = create_wonderblogs_app(api_key=KEY, get_context=..., on_publish=...)
    app = Starlette(routes=wonderblogs.routes("/api/wonderblogs"))

Starlette's router, not this app, redirects ``/x`` to ``/x/`` under a bare
``Mount``; `routes` gives the two routes that serve
both forms without a redirect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from ._endpoint import Endpoint
from .core import TargetOptions, WonderblogsTarget
from .http import ROUTED_METHODS, ClientDisconnected, Request, headers_from_pairs

if TYPE_CHECKING:
    from .callbacks.receiver import ReceiverOptions

__all__ = ["WonderblogsASGIApp", "create_wonderblogs_app", "create_wonderblogs_callback_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def _body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


class WonderblogsASGIApp:
    """ASGI callable serving one endpoint: the target, or the callback receiver."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def routes(self, path: str = "/api/wonderblogs") -> list[Any]:
        """Starlette routes for ``path`` and ``path/``, every method to the core
        (so a wrong method gets the JSON 405). Needs Starlette installed."""
        try:
            from starlette.routing import Route
        except ImportError as exc:  # pragma: no cover
            from ._extras import missing_extra

            raise missing_extra("starlette", "starlette") from exc
        path = path.rstrip("/")
        return [Route(p, self, methods=list(ROUTED_METHODS)) for p in (path, path + "/")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
            return
        request = Request(
            scope["method"], headers_from_pairs(scope["headers"]), _body_chunks(receive)
        )
        try:
            response = await self.endpoint.handle_async(request)
        except ClientDisconnected:
            return
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [
                    *((k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers),
                    (b"content-length", str(len(response.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    # Nothing to set up; answering keeps servers from warning when the app is
    # served on its own (``uvicorn module:app``).
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_wonderblogs_app(**options: Unpack[TargetOptions]) -> WonderblogsASGIApp:
    """Build the ASGI app; takes the same keyword arguments as
    [`WonderblogsTarget`][wonderblogs_target.WonderblogsTarget]."""
    return WonderblogsASGIApp(WonderblogsTarget(**options))


def create_wonderblogs_callback_app(**options: Unpack[ReceiverOptions]) -> WonderblogsASGIApp:
    """ASGI app receiving signed callbacks; takes the keyword arguments of
    [`WonderblogsCallbackReceiver`][wonderblogs_target.callbacks.receiver.WonderblogsCallbackReceiver]."""
    from .callbacks.receiver import WonderblogsCallbackReceiver

    return WonderblogsASGIApp(WonderblogsCallbackReceiver(**options))
