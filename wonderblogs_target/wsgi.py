"""A plain WSGI app for the target endpoint, for any WSGI framework or server.

    from wonderblogs_target.wsgi import create_wonderblogs_wsgi_app

    application = create_wonderblogs_wsgi_app(api_key=KEY, get_context=..., on_publish=...)

Mount it at the URL you configure in Wonderblogs (for example with
``werkzeug.middleware.dispatcher.DispatcherMiddleware``); it answers on any path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from ._endpoint import Endpoint
from .core import TargetOptions, WonderblogsTarget
from .http import Request, Response, wsgi_body

if TYPE_CHECKING:
    from .callbacks.receiver import ReceiverOptions

__all__ = [
    "WSGIHeaders",
    "WonderblogsWSGIApp",
    "create_wonderblogs_callback_wsgi_app",
    "create_wonderblogs_wsgi_app",
    "status_line",
]

Environ = dict[str, Any]
StartResponse = Callable[..., Any]

_UNPREFIXED = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}
# The names the core asks for on every request, looked up without string work.
_KNOWN = {
    "authorization": "HTTP_AUTHORIZATION",
    "content-length": "CONTENT_LENGTH",
    "content-type": "CONTENT_TYPE",
}


class WSGIHeaders(Mapping[str, str]):
    """Read-only, case-insensitive view of the request headers in a WSGI environ."""

    __slots__ = ("_environ",)

    def __init__(self, environ: Environ) -> None:
        self._environ = environ

    @staticmethod
    def _key(name: str) -> str:
        key = name.upper().replace("-", "_")
        return key if key in _UNPREFIXED else "HTTP_" + key

    def __getitem__(self, name: str) -> str:
        value = self._environ[_KNOWN.get(name) or self._key(name)]
        if not isinstance(value, str):
            raise KeyError(name)
        return value

    def get(self, name: str, default: Any = None) -> Any:
        value = self._environ.get(_KNOWN.get(name) or self._key(name), default)
        return value if isinstance(value, str) else default

    def __iter__(self) -> Iterator[str]:
        for key in self._environ:
            if key.startswith("HTTP_"):
                yield key[5:].replace("_", "-").lower()
            elif key in _UNPREFIXED:
                yield _UNPREFIXED[key]

    def __len__(self) -> int:
        return sum(1 for _ in self)


_STATUS_LINES = {int(s): f"{int(s)} {s.phrase}" for s in HTTPStatus}


def status_line(status: int) -> str:
    """``404`` -> ``"404 Not Found"``."""
    return _STATUS_LINES.get(status) or f"{status} Unknown"


class WonderblogsWSGIApp:
    """WSGI callable serving one endpoint: the target, or the callback receiver."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ["REQUEST_METHOD"], WSGIHeaders(environ), wsgi_body(environ))
        response: Response = self.endpoint.handle(request)
        headers = [*response.headers, ("content-length", str(len(response.body)))]
        start_response(status_line(response.status), headers)
        return [response.body]


def create_wonderblogs_wsgi_app(**options: Unpack[TargetOptions]) -> WonderblogsWSGIApp:
    """Build the WSGI app; takes the same keyword arguments as
    [`WonderblogsTarget`][wonderblogs_target.WonderblogsTarget]."""
    return WonderblogsWSGIApp(WonderblogsTarget(**options))


def create_wonderblogs_callback_wsgi_app(
    **options: Unpack[ReceiverOptions],
) -> WonderblogsWSGIApp:
    """WSGI app receiving signed callbacks; takes the keyword arguments of
    [`WonderblogsCallbackReceiver`][wonderblogs_target.callbacks.receiver.WonderblogsCallbackReceiver]."""
    from .callbacks.receiver import WonderblogsCallbackReceiver

    return WonderblogsWSGIApp(WonderblogsCallbackReceiver(**options))
