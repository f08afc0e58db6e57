"""What every endpoint shares: the answers, the error envelope, the body rules
and the calling of user code.

The target (`core`) and the callback receiver
([`receiver`][wonderblogs_target.callbacks.receiver]) are each one flow of
steps on top of this. Status codes are chosen for what Wonderblogs
does with them: 401 fails the run and tells the site owner to check the key;
any other non-2xx on publish keeps the article as "ready to push" for a manual
retry, and a 5xx on a callback makes the sender retry; so nothing is lost.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from typing_extensions import Self

from ._concurrency import CallbackTimeout
from ._flow import (
    BodyTimeout,
    Call,
    Flow,
    ReadBody,
    Step,
    perform_async,
    perform_sync,
    run_flow,
    run_flow_async,
)
from .errors import ConfigurationError, PublishRejected, validation_details
from .http import ClientDisconnected, HeaderLookup, Request, Response

if TYPE_CHECKING:
    from pydantic import ValidationError

T = TypeVar("T")

__all__ = [
    "ACCEPTED",
    "BODY_TIMED_OUT",
    "DEFAULT_BODY_TIMEOUT",
    "INTERNAL_ERROR",
    "JSON_CONTENT",
    "LENGTH_REQUIRED",
    "TIMED_OUT",
    "UNAUTHORIZED",
    "UNREADABLE_BODY",
    "Endpoint",
    "callback_failed",
    "error_response",
    "json_response",
    "logger",
    "validation_failed",
]

logger = logging.getLogger("wonderblogs_target")

JSON_CONTENT = ("content-type", "application/json")


def json_response(status: int, payload: Mapping[str, Any], *headers: tuple[str, str]) -> Response:
    """A compact JSON answer."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, (JSON_CONTENT, *headers), body)


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
BODY_TIMED_OUT = error_response(
    408, "The request body did not arrive in time", None, ("connection", "close")
)
LENGTH_REQUIRED = error_response(
    411, "This server cannot pass on a chunked body: send the body with a Content-Length"
)
#: Seconds a client may take to send its body: a real one sends 12 KB in far less.
DEFAULT_BODY_TIMEOUT = 30.0
ACCEPTED = json_response(200, {"ok": True})


def callback_failed(exc: Exception, what: str) -> Response:
    """The answer when user code (or a store) raised: its own 4xx, a 503 when it
    ran out of time, or a logged, generic 500. Every 5xx lets Wonderblogs retry."""
    if isinstance(exc, PublishRejected):
        return error_response(exc.status_code, exc.message)
    if isinstance(exc, CallbackTimeout):
        logger.error("%s did not finish in time: %s", what, exc)
        return TIMED_OUT
    logger.error("%s raised an exception", what, exc_info=exc)
    return INTERNAL_ERROR


def validation_failed(exc: ValidationError, message: str) -> Response:
    """400 for bytes that are not JSON at all, 422 naming each field otherwise."""
    if any(e["type"] == "json_invalid" for e in exc.errors(include_input=False)):
        return error_response(400, "Request body is not valid JSON")
    return error_response(422, message, validation_details(exc))


def log_request(
    request: Request, response: Response, facts: dict[str, Any], started: float
) -> None:
    """One record per request: INFO when accepted, WARNING when refused or failed.

    The fields are record attributes (``extra``), so a JSON log formatter
    emits them as they are; the key and the body are never among them.
    """
    level = logging.INFO if response.status < 400 else logging.WARNING
    if not logger.isEnabledFor(level):
        return
    status = response.status
    outcome = "accepted" if status < 400 else "refused" if status < 500 else "failed"
    fields = {
        "method": request.method.upper(),
        "status": status,
        "outcome": outcome,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        "body_bytes": facts.pop("body_bytes", 0),
        **facts,
    }
    about = " ".join(
        f"{name}={fields[name]}" for name in ("slug", "locale", "event") if name in fields
    )
    logger.log(
        level,
        "%s %s %s%s",
        fields["method"],
        status,
        outcome,
        f" ({about})" if about else "",
        extra=fields,
    )


class Endpoint:
    """What every endpoint shares: the body limit, the two entry points, and the
    reading of a declared length. Subclasses write `flow` once."""

    allowed_methods: tuple[str, ...] = ()

    def __init__(
        self,
        max_body_size: int,
        callback_timeout: float | None = None,
        body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        if max_body_size < 1:
            raise ConfigurationError("max_body_size must be a positive number of bytes")
        for name, value in (("callback_timeout", callback_timeout), ("body_timeout", body_timeout)):
            if value is not None and not value > 0:
                raise ConfigurationError(f"{name} must be a positive number of seconds")
        self.max_body_size = max_body_size
        self.callback_timeout = callback_timeout
        self.body_timeout = body_timeout
        allow = ", ".join(self.allowed_methods)
        self._not_allowed = error_response(405, "Method not allowed", None, ("allow", allow))
        self._owned: list[Any] = []

    def _owning(self, resource: T) -> T:
        """``resource`` (a store or replay guard this endpoint opened from a
        URL), to be closed by `close`; one given as an object is the caller's."""
        self._owned.append(resource)
        return resource

    def close(self) -> None:
        """Close what this endpoint opened from a URL: a store given as
        ``store="sqlite:///..."``, a replay guard given as a URL. Objects
        passed in are left open: whoever made them closes them."""
        owned, self._owned = self._owned, []
        for resource in reversed(owned):
            closing = getattr(resource, "close", None)
            if closing is not None:
                closing()

    def flow(self, request: Request, facts: dict[str, Any]) -> Flow:  # pragma: no cover
        """The request's flow; it notes what the log record should say in ``facts``."""
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
        started, facts = time.perf_counter(), dict[str, Any]()
        response: Response = run_flow(self.flow(request, facts), perform_sync)
        log_request(request, response, facts, started)
        return response

    async def handle_async(self, request: Request) -> Response:
        """Answer ``request`` from async code. Sync callbacks run in a worker
        thread, never on the event loop."""
        started, facts = time.perf_counter(), dict[str, Any]()
        response: Response = await run_flow_async(self.flow(request, facts), perform_async)
        log_request(request, response, facts, started)
        return response

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
        if declared is None or not declared.strip():
            return None  # absent, or empty as some servers pass it
        declared = declared.strip()
        if not declared.isdigit() or not declared.isascii():
            return error_response(400, "Invalid Content-Length header")
        length = int(declared)
        return self.too_large() if length > self.max_body_size else length

    def read_body(
        self, request: Request, facts: dict[str, Any]
    ) -> Generator[Step, Any, bytes | bytearray | Response]:
        """Sub-flow: the whole body, or the answer refusing it."""
        declared = self.declared_length(request.headers)
        if isinstance(declared, Response):
            return declared
        try:
            body: bytes | bytearray | None = yield ReadBody(
                request.body, self.max_body_size, self.body_timeout
            )
        except (ClientDisconnected, TypeError):
            raise  # no one to answer; or a programming error that must be seen
        except BodyTimeout:
            logger.info("request body did not arrive within %s s", self.body_timeout)
            return BODY_TIMED_OUT
        except Exception as exc:  # the server's input stream failed mid-body
            logger.info("request body could not be read: %s", type(exc).__name__)
            return UNREADABLE_BODY
        if body is None:
            return self.too_large()
        if not body and "chunked" in (request.headers.get("transfer-encoding") or "").lower():
            return LENGTH_REQUIRED  # the server took a chunked body and passed on none of it
        if declared is not None and len(body) < declared:
            return UNREADABLE_BODY  # truncated: the client sent less than it announced
        facts["body_bytes"] = len(body)
        return body

    def call(self, func: Callable[..., Any], args: tuple[Any, ...], is_async: bool) -> Call:
        """The step that calls a user callback, under the endpoint's time limit."""
        return Call(func, args, is_async, self.callback_timeout)
