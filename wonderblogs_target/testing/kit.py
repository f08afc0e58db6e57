"""The target kit: an app called in process (`app_transport`), and the
checks of ``wonderblogs-target check`` run against it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._concurrency import is_async_callable, run_async_from_sync
from .._extras import missing_extra
from ..check import Report, run_checks

if TYPE_CHECKING:
    pass

try:
    import httpx
except ImportError as exc:  # pragma: no cover
    raise missing_extra("httpx", "client") from exc

__all__ = ["app_transport", "assert_conformant", "check_app"]

# -- calling a web app in process --------------------------------------------------


class _SyncASGITransport(httpx.BaseTransport):
    """httpx's ASGI transport, for sync clients: each request runs on the package's
    shared background event loop, so it works from tests that have a loop of
    their own running too."""

    def __init__(self, app: Any) -> None:
        # An exception in the app becomes the 500 a server would send, which is
        # what a conformance check must see.
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return run_async_from_sync(call())


def app_transport(app: Any) -> httpx.BaseTransport:
    """An httpx transport that sends requests to ``app`` in process, with no server.

    ``app`` is any ASGI app (FastAPI, Starlette, Litestar, Django's
    ``get_asgi_application()``) or any WSGI app (Flask, Django's
    ``get_wsgi_application()``, a bare WSGI callable): ASGI apps are told apart
    by their ``async`` call. Use it with ``httpx.Client(transport=...)`` or with
    `wonderblogs_target.check.run_checks`.
    """
    if is_async_callable(app):
        return _SyncASGITransport(app)
    return httpx.WSGITransport(app=app)


def check_app(
    app: Any,
    *,
    path: str,
    api_key: str,
    publish: bool = False,
    rewrite: bool = False,
    base_url: str = "http://testserver",
) -> Report:
    """The report of ``wonderblogs-target check`` for ``app``, called in process
    as ``{base_url}{path}`` (``rewrite`` implies ``publish``)."""
    return run_checks(
        f"{base_url}{path}",
        api_key,
        publish=publish,
        rewrite=rewrite,
        transport=app_transport(app),
    )


def assert_conformant(
    app: Any,
    *,
    path: str = "/api/wonderblogs",
    api_key: str,
    publish: bool = True,
    rewrite: bool = True,
) -> None:
    """Check ``app`` in process the way ``wonderblogs-target check`` checks a URL.

    Passes silently, or raises ``AssertionError`` listing each failed check
    with the field's path, the rule and the limit, as the command prints them.
    ``app`` is any ASGI or WSGI app (see
    [`app_transport`][wonderblogs_target.testing.app_transport]); a Django
    project's host list must allow ``testserver``, as Django's own test client
    needs. With ``publish`` (and ``rewrite``) it posts a test article whose slug
    starts with ``wonderblogs-target-check-``, so a store can tell it apart.
    """
    report = check_app(app, path=path, api_key=api_key, publish=publish, rewrite=rewrite)
    if not report.ok:
        raise AssertionError(
            f"{path} does not meet the Wonderblogs target contract:\n{report.to_text()}"
        )
