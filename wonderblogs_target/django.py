"""Django adapter: views for the target endpoint and the callback receiver.

    from django.urls import path
    from wonderblogs_target.django import create_wonderblogs_view

    urlpatterns = [
        path("api/wonderblogs", create_wonderblogs_view(get_context=..., on_publish=...)),
    ]

The views are CSRF-exempt on purpose: Wonderblogs authenticates with a bearer
key (or, for callbacks, an HMAC signature) and never sends cookies, so there is
no session for a forged request to ride on, and a CSRF token could never be
supplied. For the same reason they are exempt from Django 5.1's
``LoginRequiredMiddleware``: a members-only site must still let Wonderblogs in,
and the key or signature check in the core is the protection.

With sync callbacks a view is sync; when a callback is a coroutine function it
is an async view, so under ASGI nothing blocks the event loop. Left out,
``api_key`` is read from ``settings.WONDERBLOGS_API_KEY`` on each request (so
``override_settings`` works in tests).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from typing_extensions import Unpack

from ._endpoint import Endpoint
from ._extras import missing_extra
from .core import TargetOptions, WonderblogsTarget
from .http import Request, Response, iter_chunks, wsgi_body

if TYPE_CHECKING:
    from .callbacks.receiver import ReceiverOptions

try:
    from django.conf import settings
    from django.http import HttpRequest, HttpResponse
except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
    raise missing_extra("django", "django") from exc

__all__ = [
    "SETTING_NAME",
    "create_wonderblogs_callback_view",
    "create_wonderblogs_view",
    "exempt",
]

SETTING_NAME = "WONDERBLOGS_API_KEY"

View = Callable[[HttpRequest], HttpResponse] | Callable[[HttpRequest], Awaitable[HttpResponse]]


def _key_from_settings() -> Any:
    return getattr(settings, SETTING_NAME, None)


def _body(request: HttpRequest) -> bytes | Iterator[bytes]:
    if getattr(request, "_read_started", False):
        return request.body  # a middleware read it already
    if "wsgi.input" in request.META:
        # The server's stream, by the WSGI rule: Django's own wrapper stops at a
        # missing Content-Length, so a chunked body (gunicorn) would read as empty.
        return wsgi_body(request.META)
    return iter_chunks(request.read, None)  # ASGI: Django has spooled the body


def target_request(request: HttpRequest) -> Request:
    """The core's request for a Django request; the body is streamed."""
    return Request(request.method or "GET", request.headers, _body(request))


def django_response(answer: Response) -> HttpResponse:
    """The Django response for the core's answer."""
    return HttpResponse(answer.body, status=answer.status, headers=dict(answer.headers))


ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def exempt(view: ViewT) -> ViewT:
    """Mark ``view`` exempt from CSRF and from ``LoginRequiredMiddleware``.

    The attributes are the ones Django's ``csrf_exempt`` and
    ``login_not_required`` (5.1+) set. They are set on the function itself
    rather than through those decorators: before Django 5.0 ``csrf_exempt``
    wraps an async view in a sync function, and Django then calls the
    coroutine function without awaiting it. Older Django versions ignore
    ``login_required``, and the middleware does not exist there.
    """
    view.csrf_exempt = True  # type: ignore[attr-defined]
    view.login_required = False  # type: ignore[attr-defined]
    return view


def _view(endpoint: Endpoint) -> View:
    """An exempt view (see `exempt`); async when a callback is async, sync otherwise."""
    if endpoint.has_async_callbacks:

        async def wonderblogs_async_view(request: HttpRequest) -> HttpResponse:
            return django_response(await endpoint.handle_async(target_request(request)))

        return exempt(wonderblogs_async_view)

    def wonderblogs_view(request: HttpRequest) -> HttpResponse:
        return django_response(endpoint.handle(target_request(request)))

    return exempt(wonderblogs_view)


def create_wonderblogs_view(**options: Unpack[TargetOptions]) -> View:
    """The target view; takes the keyword arguments of
    [`WonderblogsTarget`][wonderblogs_target.WonderblogsTarget]."""
    if "api_key" not in options and not options.get("allow_unauthenticated"):
        options["api_key"] = _key_from_settings
    return _view(WonderblogsTarget(**options))


def create_wonderblogs_callback_view(**options: Unpack[ReceiverOptions]) -> View:
    """The callback-receiver view; the key defaults to ``settings.WONDERBLOGS_API_KEY``."""
    options.setdefault("api_key", _key_from_settings)
    from .callbacks.receiver import WonderblogsCallbackReceiver

    return _view(WonderblogsCallbackReceiver(**options))
