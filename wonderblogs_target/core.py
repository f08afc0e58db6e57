"""The framework-free target handler: every rule of the endpoint lives here.

Adapters hand over a :class:`~wonderblogs_target.http.Request` and send back the
:class:`~wonderblogs_target.http.Response`; they decide nothing. The sync and the
async entry points share every step but the two that must differ (reading a
stream, calling a callback), so a rule can never drift between them.

Status codes are chosen for what Wonderblogs does with them: 401 fails the run
and tells the site owner to check the key; any other non-2xx on publish keeps
the article as "ready to push" for a manual retry, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import logging
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeAlias

from pydantic import ValidationError
from typing_extensions import Required, TypedDict

from ._concurrency import is_async_callable, run_async_from_sync, run_sync_in_thread
from .errors import ConfigurationError, PublishRejected, format_location, validation_details
from .http import Body, HeaderLookup, Request, Response, SyncBody
from .models import ContextResponse, PublishPayload

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "ApiKey",
    "ContextProvider",
    "PublishHandler",
    "TargetOptions",
    "WonderblogsTarget",
]

logger = logging.getLogger("wonderblogs_target")

#: 5 MiB: far above any real article, far below what would hurt a worker.
DEFAULT_MAX_BODY_SIZE = 5 * 1024 * 1024

ContextResult: TypeAlias = "ContextResponse | Mapping[str, Any]"
ContextProvider: TypeAlias = Callable[[], "ContextResult | Awaitable[ContextResult]"]
PublishHandler: TypeAlias = Callable[[PublishPayload], "object | Awaitable[object]"]
KeySource: TypeAlias = "str | Sequence[str]"
ApiKey: TypeAlias = "KeySource | Callable[[], KeySource | None] | None"


class TargetOptions(TypedDict, total=False):
    """The keyword arguments every adapter factory accepts and hands to the core."""

    api_key: ApiKey
    get_context: Required[ContextProvider]
    on_publish: Required[PublishHandler]
    allow_unauthenticated: bool
    max_body_size: int


ALLOWED_METHODS = "GET, HEAD, POST"
_JSON = ("content-type", "application/json")


def _json_response(status: int, payload: Mapping[str, Any], *extra: tuple[str, str]) -> Response:
    return Response(status, (_JSON, *extra), json.dumps(payload, separators=(",", ":")).encode())


def error_response(status: int, message: str, details: Sequence[Any] | None = None) -> Response:
    """The one error envelope: ``{"error": ..., "details": [...]}``, as the vendor uses."""
    payload: dict[str, Any] = {"error": message}
    if details is not None:
        payload["details"] = list(details)
    extra: tuple[tuple[str, str], ...] = ()
    if status == 401:
        extra = (("www-authenticate", 'Bearer realm="wonderblogs"'),)
    elif status == 405:
        extra = (("allow", ALLOWED_METHODS),)
    return _json_response(status, payload, *extra)


# Answers that never change are built once.
_UNAUTHORIZED = error_response(401, "Missing or invalid API key")
_NOT_ALLOWED = error_response(405, "Method not allowed")
_INTERNAL_ERROR = error_response(500, "Internal server error")
_ACCEPTED = _json_response(200, {"ok": True})


def _digest(secret: bytes) -> bytes:
    # Comparing fixed-length digests keeps the comparison constant-time even when
    # the presented token and the key differ in length.
    return hashlib.sha256(secret).digest()


def _normalise_keys(keys: KeySource | None) -> tuple[str, ...]:
    if keys is None:
        return ()
    candidates = (keys,) if isinstance(keys, str) else tuple(keys)
    for key in candidates:
        if not isinstance(key, str) or not key:
            raise ConfigurationError("each API key must be a non-empty string")
        if key != key.strip():
            raise ConfigurationError(
                "an API key has leading or trailing whitespace and could never match"
            )
    return candidates


def _presented_token(authorization: str | None) -> bytes | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        # Frameworks decode header bytes as Latin-1; this gets the original bytes back.
        return token.encode("latin-1")
    except UnicodeEncodeError:
        return token.encode("utf-8", "replace")


class WonderblogsTarget:
    """Serves the two Wonderblogs target operations on one URL.

    ``GET`` answers ``get_context()``; ``POST`` validates the article and passes a
    :class:`PublishPayload` to ``on_publish``. Either callback may be sync or async.

    ``api_key`` takes one key, several (for rotation), or a callable returning
    them, read on every request, for keys that live in app config. Leaving it
    out is an error unless ``allow_unauthenticated=True`` says the endpoint is
    meant to be open (Wonderblogs then sends no ``Authorization`` header).
    """

    def __init__(
        self,
        *,
        api_key: ApiKey = None,
        get_context: ContextProvider,
        on_publish: PublishHandler,
        allow_unauthenticated: bool = False,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        if not callable(get_context) or not callable(on_publish):
            raise ConfigurationError("get_context and on_publish must be callables")
        if max_body_size < 1:
            raise ConfigurationError("max_body_size must be a positive number of bytes")
        if allow_unauthenticated and api_key is not None:
            raise ConfigurationError("give api_key or allow_unauthenticated=True, not both")
        if api_key is None and not allow_unauthenticated:
            raise ConfigurationError(
                "no api_key given; pass the Target Authentication Key configured in "
                "Wonderblogs, or allow_unauthenticated=True for an open endpoint"
            )
        self.get_context = get_context
        self.on_publish = on_publish
        self.max_body_size = max_body_size
        self.allow_unauthenticated = allow_unauthenticated
        self._key_provider: Callable[[], KeySource | None] | None = None
        self._cached_keys: tuple[str, ...] = ()
        self._digests: tuple[bytes, ...] = ()
        if callable(api_key):
            self._key_provider = api_key
        elif api_key is not None:
            self._set_keys(_normalise_keys(api_key))
            if not self._digests:
                raise ConfigurationError("api_key is an empty list")
        self._context_is_async = is_async_callable(get_context)
        self._publish_is_async = is_async_callable(on_publish)

    @property
    def has_async_callbacks(self) -> bool:
        """True when a callback is a coroutine function; Django picks an async view then."""
        return self._context_is_async or self._publish_is_async

    # -- the shared steps -------------------------------------------------

    def _set_keys(self, keys: tuple[str, ...]) -> None:
        self._cached_keys = keys
        self._digests = tuple(_digest(key.encode("utf-8")) for key in keys)

    def _current_digests(self) -> tuple[bytes, ...]:
        if self._key_provider is not None:
            keys = _normalise_keys(self._key_provider())
            if not keys:
                raise ConfigurationError("the api_key callable returned no key")
            if keys != self._cached_keys:
                self._set_keys(keys)
        return self._digests

    def _authorised(self, headers: HeaderLookup) -> bool:
        if self.allow_unauthenticated:
            return True
        digests = self._current_digests()
        token = _presented_token(headers.get("authorization"))
        if token is None:
            return False
        presented = _digest(token)
        matched = False
        for digest in digests:  # no early exit: every key costs the same
            matched |= hmac.compare_digest(digest, presented)
        return matched

    def _precheck(self, request: Request) -> Response | None:
        """Method, auth and declared size: everything decided before the body is read."""
        method = request.method.upper()
        if method not in ("GET", "HEAD", "POST"):
            return _NOT_ALLOWED
        try:
            authorised = self._authorised(request.headers)
        except ConfigurationError:
            logger.exception("wonderblogs target is misconfigured")
            return _INTERNAL_ERROR
        if not authorised:
            return _UNAUTHORIZED
        if method == "POST":
            declared = request.headers.get("content-length")
            if declared is not None:
                declared = declared.strip()
                if not declared.isdigit() or not declared.isascii():
                    return error_response(400, "Invalid Content-Length header")
                if int(declared) > self.max_body_size:
                    return self._too_large()
        return None

    def _too_large(self) -> Response:
        return error_response(413, f"Request body exceeds {self.max_body_size} bytes")

    def _context_response(self, result: object, head: bool) -> Response:
        try:
            if not isinstance(result, ContextResponse):
                result = ContextResponse.model_validate(result)
        except ValidationError as exc:
            problems = "; ".join(
                f"{format_location(e['loc'])}: {e['msg']}"
                for e in exc.errors(include_url=False, include_input=False)
            )
            logger.error("get_context returned an invalid context document: %s", problems)
            return _INTERNAL_ERROR
        return Response(200, (_JSON,), b"" if head else result.to_json())

    def _parse_payload(self, body: bytes) -> PublishPayload | Response:
        try:
            return PublishPayload.model_validate_json(body)
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors(include_input=False)):
                return error_response(400, "Request body is not valid JSON")
            return error_response(422, "Invalid publish payload", validation_details(exc))

    @staticmethod
    def _callback_failed(exc: Exception, what: str) -> Response:
        if isinstance(exc, PublishRejected):
            return error_response(exc.status_code, exc.message)
        logger.error("%s raised an exception", what, exc_info=exc)
        return _INTERNAL_ERROR

    # -- sync entry point ---------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer ``request`` from a sync framework. Async callbacks run on a
        shared background event loop."""
        early = self._precheck(request)
        if early is not None:
            return early
        method = request.method.upper()
        if method != "POST":
            try:
                result = self._call_sync(self.get_context, self._context_is_async)
            except Exception as exc:
                return self._callback_failed(exc, "get_context")
            return self._context_response(result, method == "HEAD")
        if isinstance(request.body, AsyncIterable):
            raise TypeError("an async body stream needs handle_async()")
        body = self._read_sync(request.body)
        if body is None:
            return self._too_large()
        parsed = self._parse_payload(body)
        if isinstance(parsed, Response):
            return parsed
        try:
            self._call_sync(self.on_publish, self._publish_is_async, parsed)
        except Exception as exc:
            return self._callback_failed(exc, "on_publish")
        return _ACCEPTED

    def _read_sync(self, body: SyncBody) -> bytes | None:
        if isinstance(body, bytes | bytearray | memoryview):
            return bytes(body) if len(body) <= self.max_body_size else None
        buffer = bytearray()
        for chunk in body:
            buffer += chunk
            if len(buffer) > self.max_body_size:
                return None
        return bytes(buffer)

    @staticmethod
    def _call_sync(func: Callable[..., Any], is_async: bool, *args: Any) -> Any:
        result = func(*args)
        if is_async or inspect.isawaitable(result):
            return run_async_from_sync(result)
        return result

    # -- async entry point --------------------------------------------------

    async def handle_async(self, request: Request) -> Response:
        """Answer ``request`` from an async framework. Sync callbacks run in a
        worker thread, never on the event loop."""
        early = self._precheck(request)
        if early is not None:
            return early
        method = request.method.upper()
        if method != "POST":
            try:
                result = await self._call_async(self.get_context, self._context_is_async)
            except Exception as exc:
                return self._callback_failed(exc, "get_context")
            return self._context_response(result, method == "HEAD")
        body = await self._read_async(request.body)
        if body is None:
            return self._too_large()
        parsed = self._parse_payload(body)
        if isinstance(parsed, Response):
            return parsed
        try:
            await self._call_async(self.on_publish, self._publish_is_async, parsed)
        except Exception as exc:
            return self._callback_failed(exc, "on_publish")
        return _ACCEPTED

    async def _read_async(self, body: Body) -> bytes | None:
        if not isinstance(body, AsyncIterable):
            return self._read_sync(body)
        buffer = bytearray()
        async for chunk in body:
            buffer += chunk
            if len(buffer) > self.max_body_size:
                return None
        return bytes(buffer)

    @staticmethod
    async def _call_async(func: Callable[..., Any], is_async: bool, *args: Any) -> Any:
        result = func(*args) if is_async else await run_sync_in_thread(func, *args)
        if inspect.isawaitable(result):
            result = await result
        return result
