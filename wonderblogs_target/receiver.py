"""The framework-free receiver of signed Wonderblogs callbacks.

Order matters: the signature is checked on the raw bytes before anything is
parsed, so an unauthenticated sender never reaches the JSON parser. Answers
follow the sender's retry rules (up to three retries; a 4xx stops them):

* 401 for a missing, malformed, wrong or stale signature;
* 400 for an authentic body that is not an event we know (retrying won't help);
* 500 when ``on_event`` raises, so that Wonderblogs retries the delivery;
* 503 while another delivery of the same event is still being handled (with a
  replay guard that can claim events): a 5xx, unlike a 4xx, keeps the sender
  retrying, and by the next retry the first has finished or given its claim back;
* 200 otherwise, and for a duplicate that the optional replay guard caught.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeAlias, cast

from typing_extensions import Required, TypedDict

from ._concurrency import is_async_callable
from ._endpoint import (
    ACCEPTED,
    DEFAULT_BODY_TIMEOUT,
    INTERNAL_ERROR,
    Endpoint,
    callback_failed,
    error_response,
    json_response,
    logger,
)
from ._flow import Flow
from ._keys import ApiKey, KeyRing
from .errors import ConfigurationError
from .events import CallbackEvent, CallbackPayloadError, parse_callback_event
from .http import Request
from .signing import (
    DEFAULT_SCHEME,
    SignatureScheme,
    SignatureVerificationError,
    check_tolerance,
    verify_signature,
)

__all__ = [
    "DEFAULT_CALLBACK_BODY_SIZE",
    "ClaimingReplayGuard",
    "EventHandler",
    "MemoryReplayGuard",
    "ReceiverOptions",
    "ReplayGuard",
    "WonderblogsCallbackReceiver",
    "event_key",
]

#: Callback bodies carry one post; 5 MiB leaves ample room.
DEFAULT_CALLBACK_BODY_SIZE = 5 * 1024 * 1024

EventHandler: TypeAlias = Callable[[CallbackEvent], "object | Awaitable[object]"]
DUPLICATE = json_response(200, {"ok": True, "duplicate": True})
IN_PROGRESS = error_response(
    503, "This event is being handled by another delivery", None, ("retry-after", "5")
)


class ReplayGuard(Protocol):
    """Remembers handled events so a retried delivery is not handled twice."""

    def seen(self, key: str) -> bool: ...

    def remember(self, key: str) -> None: ...


class ClaimingReplayGuard(ReplayGuard, Protocol):
    """A replay guard that also stops two deliveries of one event running at once.

    ``seen`` then ``remember`` leaves a gap: a retry that arrives while the first
    delivery is still in ``on_event`` (the sender timed out on it) passes
    ``seen`` too. ``claim`` closes the gap: check and mark in one step.
    """

    def claim(self, key: str) -> bool:
        """True when the caller may handle ``key`` now: not handled, not in hand."""
        ...

    def release(self, key: str) -> None:
        """Drop a claim whose handling failed, so that the retry is handled."""
        ...


class MemoryReplayGuard:
    """A bounded, thread-safe, in-process replay guard that claims events.

    Enough for one process; with several workers, write a
    :class:`ClaimingReplayGuard` over your database instead (``claim`` as an
    insert on a unique :func:`event_key`, ``release`` as its delete).
    """

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        ttl: float = 24 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1 or ttl <= 0:
            raise ConfigurationError("max_entries and ttl must be positive")
        self._entries: OrderedDict[str, float] = OrderedDict()
        self._max_entries = max_entries
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._in_hand: set[str] = set()

    def _seen(self, key: str) -> bool:
        stamp = self._entries.get(key)
        return stamp is not None and self._clock() - stamp <= self._ttl

    def seen(self, key: str) -> bool:
        with self._lock:
            return self._seen(key)

    def claim(self, key: str) -> bool:
        with self._lock:
            if key in self._in_hand or self._seen(key):
                return False
            self._in_hand.add(key)
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._in_hand.discard(key)

    def remember(self, key: str) -> None:
        with self._lock:
            self._in_hand.discard(key)
            self._entries[key] = self._clock()
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)


def _claiming(guard: ReplayGuard | None) -> ClaimingReplayGuard | None:
    """The guard, when it can claim events (a guard of seen/remember only cannot)."""
    if callable(getattr(guard, "claim", None)) and callable(getattr(guard, "release", None)):
        return cast(ClaimingReplayGuard, guard)
    return None


def event_key(event: CallbackEvent) -> str:
    """A stable identity of an event: its type and its run or job id."""
    ident = getattr(event, "run_id", None) or getattr(event, "job_id", "")
    return f"{event.event}:{ident}"


class ReceiverOptions(TypedDict, total=False):
    """The keyword arguments every callback-receiver factory accepts."""

    api_key: ApiKey
    on_event: Required[EventHandler]
    tolerance: float | None
    scheme: SignatureScheme
    replay_guard: ReplayGuard | None
    max_body_size: int
    clock: Callable[[], float] | None
    callback_timeout: float | None
    body_timeout: float | None


class WonderblogsCallbackReceiver(Endpoint):
    """Verifies, parses and hands each signed callback to ``on_event`` (sync or async).

    ``api_key`` is the site's Target API Key, which signs the callbacks: one
    key, several during a rotation, or a callable returning them.
    """

    allowed_methods = ("POST",)

    def __init__(
        self,
        *,
        api_key: ApiKey = None,
        on_event: EventHandler,
        tolerance: float | None = 300,
        scheme: SignatureScheme = DEFAULT_SCHEME,
        replay_guard: ReplayGuard | None = None,
        max_body_size: int = DEFAULT_CALLBACK_BODY_SIZE,
        clock: Callable[[], float] | None = None,
        callback_timeout: float | None = None,
        body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        super().__init__(
            max_body_size=max_body_size,
            callback_timeout=callback_timeout,
            body_timeout=body_timeout,
        )
        if api_key is None:
            raise ConfigurationError("no api_key given: callbacks are signed with it")
        if not callable(on_event):
            raise ConfigurationError("on_event must be a callable")
        check_tolerance(tolerance)
        self._keys = KeyRing(api_key)
        self.on_event = on_event
        self.tolerance = tolerance
        self.scheme = scheme
        self.replay_guard = replay_guard
        self._clock = clock
        self._event_is_async = is_async_callable(on_event)

    @property
    def has_async_callbacks(self) -> bool:
        return self._event_is_async

    def _secrets(self) -> Sequence[str] | None:
        try:
            return self._keys.keys()
        except ConfigurationError:
            logger.exception("wonderblogs callback receiver is misconfigured")
            return None

    def flow(self, request: Request) -> Flow:
        if request.method.upper() not in self.allowed_methods:
            return self._not_allowed
        body = yield from self.read_body(request)
        if not isinstance(body, bytes):
            return body
        secrets = self._secrets()
        if secrets is None:
            return INTERNAL_ERROR
        try:
            verify_signature(
                body,
                request.headers,
                secrets,
                tolerance=self.tolerance,
                now=None if self._clock is None else self._clock(),
                scheme=self.scheme,
            )
        except SignatureVerificationError as exc:
            return error_response(401, f"Invalid signature: {exc}")
        try:
            event = parse_callback_event(body)
        except CallbackPayloadError as exc:
            return error_response(400, exc.message, exc.details or None)

        guard, key = self.replay_guard, event_key(event)
        claimer = _claiming(guard)
        if claimer is not None and not claimer.claim(key):
            return DUPLICATE if claimer.seen(key) else IN_PROGRESS
        if guard is not None and claimer is None and guard.seen(key):
            return DUPLICATE
        handled = False
        try:
            yield self.call(self.on_event, (event,), self._event_is_async)
            handled = True
        except Exception as exc:
            return callback_failed(exc, "on_event")
        finally:
            # Also when the flow is closed unfinished (a cancelled task): a claim
            # left behind would turn every retry of the event away.
            if claimer is not None and not handled:
                claimer.release(key)
        if guard is not None:
            guard.remember(key)
        return ACCEPTED
