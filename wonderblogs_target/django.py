"""Django adapter: a view serving the target endpoint.

    from django.urls import path
    from wonderblogs_target.django import create_wonderblogs_view

    urlpatterns = [
        path("api/wonderblogs", create_wonderblogs_view(get_context=..., on_publish=...)),
    ]

The view is CSRF-exempt on purpose: Wonderblogs authenticates with a bearer key
in a header and never sends cookies, so there is no session for a forged
request to ride on, and a CSRF token could never be supplied. The bearer check
in the core is the protection.

With sync callbacks the view is sync; when either callback is a coroutine
function it is an async view, so under ASGI nothing blocks the event loop.
Left out, ``api_key`` is read from ``settings.WONDERBLOGS_API_KEY`` on each
request (so ``override_settings`` works in tests).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from typing_extensions import Unpack

from .core import TargetOptions, WonderblogsTarget
from .http import Request, Response, iter_chunks

try:
    from django.conf import settings
    from django.http import HttpRequest, HttpResponse
    from django.views.decorators.csrf import csrf_exempt
except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
    from ._extras import missing_extra

    raise missing_extra("django", "django") from exc

__all__ = ["SETTING_NAME", "create_wonderblogs_view"]

SETTING_NAME = "WONDERBLOGS_API_KEY"

View = Callable[[HttpRequest], HttpResponse] | Callable[[HttpRequest], Awaitable[HttpResponse]]


def _key_from_settings() -> Any:
    return getattr(settings, SETTING_NAME, None)


def _target_request(request: HttpRequest) -> Request:
    method = request.method or "GET"
    return Request(method, request.headers, iter_chunks(request.read, None))


def _django_response(answer: Response) -> HttpResponse:
    return HttpResponse(answer.body, status=answer.status, headers=dict(answer.headers))


def create_wonderblogs_view(**options: Unpack[TargetOptions]) -> View:
    """A CSRF-exempt view; async when a callback is async, sync otherwise."""
    if "api_key" not in options and not options.get("allow_unauthenticated"):
        options["api_key"] = _key_from_settings
    target = WonderblogsTarget(**options)

    if target.has_async_callbacks:

        async def wonderblogs_async_view(request: HttpRequest) -> HttpResponse:
            return _django_response(await target.handle_async(_target_request(request)))

        return csrf_exempt(wonderblogs_async_view)

    def wonderblogs_view(request: HttpRequest) -> HttpResponse:
        return _django_response(target.handle(_target_request(request)))

    return csrf_exempt(wonderblogs_view)
