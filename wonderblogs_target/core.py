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

import copy
import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from typing import Any, TypeAlias

from pydantic import ValidationError
from typing_extensions import Required, Self, TypedDict

from ._concurrency import CallbackTimeout, is_async_callable
from ._flow import Call, Flow, ReadBody, Step, perform_async, perform_sync, run_flow, run_flow_async
from .errors import ConfigurationError, PublishRejected, format_location, validation_details
from .http import ClientDisconnected, HeaderLookup, Request, Response
from .models import ContextResponse, PublishPayload, context_json

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "ApiKey",
    "ContextProvider",
    "Endpoint",
    "KeyRing",
    "PublishHandler",
    "TargetOptions",
    "WonderblogsTarget",
    "normalise_keys",
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
    callback_timeout: float | None


_JSON = ("content-type", "application/json")


def json_response(status: int, payload: Mapping[str, Any], *headers: tuple[str, str]) -> Response:
    """A compact JSON answer."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, (_JSON, *headers), body)


def error_response(
    status: int,
    message: str,
    details: Sequence[Any] | None = None,
    *headers: tuple[str, str],
) -> Response:
    """The one error envelope: ``{"error": ..., "details": [...]}``, as the vendor uses."""
    payload: dict[str, Any] = {"error": message}
    if details is not None:
        payload["details"] = list(details)
    return json_response(status, payload, *headers)


# Answers that never change are built once.
UNAUTHORIZED = error_response(
    401, "Missing or invalid API key", None, ("www-authenticate", 'Bearer realm="wonderblogs"')
)
INTERNAL_ERROR = error_response(500, "Internal server error")
TIMED_OUT = error_response(503, "The site did not finish in time", None, ("retry-after", "30"))
UNREADABLE_BODY = error_response(400, "The request body could not be read in full")
ACCEPTED = json_response(200, {"ok": True})


def _digest(secret: bytes) -> bytes:
    # Comparing fixed-length digests keeps the comparison constant-time even when
    # the presented token and the key differ in length.
    return hashlib.sha256(secret).digest()


def normalise_keys(keys: KeySource | None) -> tuple[str, ...]:
    """Keys as a tuple, refusing the values that could never match a request."""
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


class KeyRing:
    """The shared secret(s) of an endpoint: fixed, or read from a callable per request.

    Keys from a callable are re-validated only when they change, so reading app
    config on every request costs a tuple comparison.
    """

    def __init__(self, api_key: ApiKey) -> None:
        self._provider: Callable[[], KeySource | None] | None = None
        self._keys: tuple[str, ...] = ()
        self._digests: tuple[bytes, ...] = ()
        if callable(api_key):
            self._provider = api_key
        else:
            self._set(normalise_keys(api_key))
            if not self._keys:
                raise ConfigurationError("api_key is an empty list")

    def _set(self, keys: tuple[str, ...]) -> None:
        self._keys = keys
        self._digests = tuple(_digest(key.encode("utf-8")) for key in keys)

    def _refresh(self) -> None:
        if self._provider is not None:
            keys = normalise_keys(self._provider())
            if not keys:
                raise ConfigurationError("the api_key callable returned no key")
            if keys != self._keys:
                self._set(keys)

    def keys(self) -> tuple[str, ...]:
        """The current keys; raises ConfigurationError when a provider has none."""
        self._refresh()
        return self._keys

    def matches_bearer(self, authorization: str | None) -> bool:
        """True when the ``Authorization`` header carries one of the keys."""
        return self.matches_token(_presented_token(authorization))

    def matches_token(self, token: bytes | None) -> bool:
        """True when ``token`` is one of the keys; constant-time in the token."""
        if self._provider is not None:
            self._refresh()
        if token is None:
            return False
        presented = _digest(token)
        matched = False
        for digest in self._digests:  # no early exit: every key costs the same
            matched |= hmac.compare_digest(digest, presented)
        return matched


def callback_failed(exc: Exception, what: str) -> Response:
    """The answer when user code raised: its own 4xx, a 503 when it ran out of
    time, or a logged, generic 500. Every 5xx lets Wonderblogs retry later."""
    if isinstance(exc, PublishRejected):
        return error_response(exc.status_code, exc.message)
    if isinstance(exc, CallbackTimeout):
        logger.error("%s did not finish in time: %s", what, exc)
        return TIMED_OUT
    logger.error("%s raised an exception", what, exc_info=exc)
    return INTERNAL_ERROR


class Endpoint:
    """What every endpoint shares: the body limit, the two entry points, and the
    reading of a declared length. Subclasses write :meth:`flow` once."""

    allowed_methods: tuple[str, ...] = ()

    def __init__(self, *, max_body_size: int, callback_timeout: float | None = None) -> None:
        if max_body_size < 1:
            raise ConfigurationError("max_body_size must be a positive number of bytes")
        if callback_timeout is not None and not callback_timeout > 0:
            raise ConfigurationError("callback_timeout must be a positive number of seconds")
        self.max_body_size = max_body_size
        self.callback_timeout = callback_timeout
        allow = ", ".join(self.allowed_methods)
        self._not_allowed = error_response(405, "Method not allowed", None, ("allow", allow))

    def flow(self, request: Request) -> Flow:  # pragma: no cover - abstract
        raise NotImplementedError

    def bind(self, callback: str, **arguments: Any) -> Self:
        """A copy whose ``callback`` (``"on_publish"``, ``"get_context"``,
        ``"on_event"``) also receives ``arguments`` as keywords: values a framework
        resolved for this one request, such as FastAPI dependencies. The copy
        shares everything else, keys and limits included."""
        bound = copy.copy(self)
        setattr(bound, callback, functools.partial(getattr(self, callback), **arguments))
        return bound

    def handle(self, request: Request) -> Response:
        """Answer ``request`` from sync code. Async callbacks run on a shared
        background event loop."""
        return run_flow(self.flow(request), perform_sync)

    async def handle_async(self, request: Request) -> Response:
        """Answer ``request`` from async code. Sync callbacks run in a worker
        thread, never on the event loop."""
        return await run_flow_async(self.flow(request), perform_async)

    @property
    def has_async_callbacks(self) -> bool:
        """True when a callback is a coroutine function; Django picks an async view then."""
        return False

    def too_large(self) -> Response:
        return error_response(413, f"Request body exceeds {self.max_body_size} bytes")

    def declared_length(self, headers: HeaderLookup) -> int | Response | None:
        """The Content-Length, or the answer refusing the body by it alone,
        before a byte of the body is read."""
        declared = headers.get("content-length")
        if declared is None:
            return None
        declared = declared.strip()
        if not declared.isdigit() or not declared.isascii():
            return error_response(400, "Invalid Content-Length header")
        length = int(declared)
        return self.too_large() if length > self.max_body_size else length

    def read_body(self, request: Request) -> Generator[Step, Any, bytes | Response]:
        """Sub-flow: the whole body, or the answer refusing it."""
        declared = self.declared_length(request.headers)
        if isinstance(declared, Response):
            return declared
        try:
            body: bytes | None = yield ReadBody(request.body, self.max_body_size)
        except (ClientDisconnected, TypeError):
            raise  # no one to answer; or a programming error that must be seen
        except Exception as exc:  # the server's input stream failed mid-body
            logger.info("request body could not be read: %s", type(exc).__name__)
            return UNREADABLE_BODY
        if body is None:
            return self.too_large()
        if declared is not None and len(body) < declared:
            return UNREADABLE_BODY  # truncated: the client sent less than it announced
        return body

    def call(self, func: Callable[..., Any], args: tuple[Any, ...], is_async: bool) -> Call:
        """The step that calls a user callback, under the endpoint's time limit."""
        return Call(func, args, is_async, self.callback_timeout)


class WonderblogsTarget(Endpoint):
    """Serves the two Wonderblogs target operations on one URL.

    ``GET`` answers ``get_context()``; ``POST`` validates the article and passes a
    :class:`PublishPayload` to ``on_publish``. Either callback may be sync or async.

    ``api_key`` takes one key, several (for rotation), or a callable returning
    them, read on every request, for keys that live in app config. Leaving it
    out is an error unless ``allow_unauthenticated=True`` says the endpoint is
    meant to be open (Wonderblogs then sends no ``Authorization`` header).
    """

    allowed_methods = ("GET", "HEAD", "POST")

    def __init__(
        self,
        *,
        api_key: ApiKey = None,
        get_context: ContextProvider,
        on_publish: PublishHandler,
        allow_unauthenticated: bool = False,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        callback_timeout: float | None = None,
    ) -> None:
        super().__init__(max_body_size=max_body_size, callback_timeout=callback_timeout)
        if not callable(get_context) or not callable(on_publish):
            raise ConfigurationError("get_context and on_publish must be callables")
        if allow_unauthenticated and api_key is not None:
            raise ConfigurationError("give api_key or allow_unauthenticated=True, not both")
        if api_key is None and not allow_unauthenticated:
            raise ConfigurationError(
                "no api_key given; pass the Target Authentication Key configured in "
                "Wonderblogs, or allow_unauthenticated=True for an open endpoint"
            )
        self.get_context = get_context
        self.on_publish = on_publish
        self.allow_unauthenticated = allow_unauthenticated
        self._keys = None if api_key is None else KeyRing(api_key)
        self._context_is_async = is_async_callable(get_context)
        self._publish_is_async = is_async_callable(on_publish)

    @property
    def has_async_callbacks(self) -> bool:
        return self._context_is_async or self._publish_is_async

    def _context_response(self, result: object, head: bool) -> Response:
        try:
            body = result.to_json() if isinstance(result, ContextResponse) else context_json(result)
        except ValidationError as exc:
            problems = "; ".join(
                f"{format_location(e['loc'])}: {e['msg']}"
                for e in exc.errors(include_url=False, include_input=False)
            )
            logger.error("get_context returned an invalid context document: %s", problems)
            return INTERNAL_ERROR
        return Response(200, (_JSON,), b"" if head else body)

    def flow(self, request: Request) -> Flow:
        method = request.method.upper()
        if method not in self.allowed_methods:
            return self._not_allowed
        keys = self._keys
        try:
            authorised = keys is None or keys.matches_bearer(request.headers.get("authorization"))
        except ConfigurationError:
            logger.exception("wonderblogs target is misconfigured")
            return INTERNAL_ERROR
        if not authorised:
            return UNAUTHORIZED

        if method != "POST":
            try:
                context = yield self.call(self.get_context, (), self._context_is_async)
            except Exception as exc:
                return callback_failed(exc, "get_context")
            return self._context_response(context, head=method == "HEAD")

        body = yield from self.read_body(request)
        if isinstance(body, Response):
            return body
        try:
            payload = PublishPayload.model_validate_json(body)
        except ValidationError as exc:
            return validation_failed(exc, "Invalid publish payload")
        try:
            yield self.call(self.on_publish, (payload,), self._publish_is_async)
        except Exception as exc:
            return callback_failed(exc, "on_publish")
        return ACCEPTED


def validation_failed(exc: ValidationError, message: str) -> Response:
    """400 for bytes that are not JSON at all, 422 naming each field otherwise."""
    if any(e["type"] == "json_invalid" for e in exc.errors(include_input=False)):
        return error_response(400, "Request body is not valid JSON")
    return error_response(422, message, validation_details(exc))
