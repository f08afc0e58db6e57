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

from collections.abc import Awaitable, Callable, Sequence
from contextlib import nullcontext
from typing import Any, TypeAlias

from pydantic import ValidationError
from typing_extensions import TypedDict

from .._concurrency import is_async_callable
from .._endpoint import (
    ACCEPTED,
    DEFAULT_BODY_TIMEOUT,
    INTERNAL_ERROR,
    Endpoint,
    callback_failed,
    error_response,
    json_response,
    logger,
    validation_failed,
)
from .._flow import Flow
from .._keys import ApiKey, KeyRing
from ..errors import ConfigurationError
from ..http import Request
from ..stores import Store, open_store
from .events import CallbackEvent, CallbackPayloadError, RunCompletedEvent, parse_callback_event
from .replay import (
    ClaimingReplayGuard,
    MemoryReplayGuard,
    ReplayGuard,
    claiming,
    event_key,
    kept,
    open_replay_guard,
)
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
#: The replay guard's store (Redis, a database) could not answer: the event is
#: neither run nor turned away, and the sender's retry finds the guard back.
GUARD_UNAVAILABLE = error_response(
    503, "The replay guard is unavailable; retry later", None, ("retry-after", "5")
)


def _quietly(operation: Callable[[str], object], key: str) -> None:
    """A guard update whose failure is logged, not answered."""
    try:
        operation(key)
    except Exception:
        logger.exception("the replay guard could not record an event")


class ReceiverOptions(TypedDict, total=False):
    """The keyword arguments every callback-receiver factory accepts."""

    api_key: ApiKey
    on_event: EventHandler | None
    store: Store | str | None
    store_locale: str
    tolerance: float | None
    scheme: SignatureScheme
    replay_guard: ReplayGuard | str | None
    max_body_size: int
    clock: Callable[[], float] | None
    callback_timeout: float | None
    body_timeout: float | None


class WonderblogsCallbackReceiver(Endpoint):
    """Verifies, parses and hands each signed callback to ``on_event`` (sync or async).

    ``api_key`` is the site's Target API Key, which signs the callbacks: one
    key, several during a rotation, or a callable returning them.
    ``replay_guard`` keeps a redelivered event from running ``on_event`` twice:
    by default a `MemoryReplayGuard` (one process);
    a guard URL (``"postgresql://..."``, ``"redis://..."``, ``"sqlite:///..."``)
    or a guard object for several workers; ``None`` for none.

    ``store`` (a [`Store`][wonderblogs_target.stores.Store] or a store URL)
    saves the post of each ``run.completed`` event, by the mapping the v1
    commands use ([`GeneratedPost.to_payload`][wonderblogs_target.v1.GeneratedPost.to_payload]),
    as ``store_locale`` (the event does not say the run's language); then
    ``on_event``, if given, sees the event too. A redelivered event is saved
    once (the replay guard), a store that fails answers 5xx (the sender
    retries), and a post that breaks a publish limit 422, naming the field.
    """

    allowed_methods = ("POST",)

    def __init__(
        self,
        *,
        api_key: ApiKey = None,
        on_event: EventHandler | None = None,
        store: Store | str | None = None,
        store_locale: str = "en",
        tolerance: float | None = 300,
        scheme: SignatureScheme = DEFAULT_SCHEME,
        replay_guard: ReplayGuard | str | None = "memory",
        max_body_size: int = DEFAULT_CALLBACK_BODY_SIZE,
        clock: Callable[[], float] | None = None,
        callback_timeout: float | None = None,
        body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        super().__init__(max_body_size, callback_timeout, body_timeout)
        if api_key is None:
            raise ConfigurationError("no api_key given: callbacks are signed with it")
        if on_event is None and store is None:
            raise ConfigurationError(
                "nothing to do with the events: pass on_event= (a callable) or store= "
                "(a Store or a URL) for the posts of run.completed"
            )
        if on_event is not None and not callable(on_event):
            raise ConfigurationError("on_event must be a callable")
        self.store = self._owning(open_store(store)) if isinstance(store, str) else store
        self.store_locale = store_locale
        check_tolerance(tolerance)
        self._keys = KeyRing(api_key)
        self.on_event = on_event
        self.tolerance = tolerance
        self.scheme = scheme
        self.replay_guard = (
            self._owning(open_replay_guard(replay_guard))
            if isinstance(replay_guard, str)
            else replay_guard
        )
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

    def flow(self, request: Request, facts: dict[str, Any]) -> Flow:
        if request.method.upper() not in self.allowed_methods:
            return self._not_allowed
        body = yield from self.read_body(request, facts)
        if isinstance(body, bytearray):  # a callback is small; what checks it takes bytes
            body = bytes(body)
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

        facts["event"] = event.event
        guard, key = self.replay_guard, event_key(event)
        claimer = claiming(guard)
        try:
            if claimer is not None and not claimer.claim(key):
                return DUPLICATE if claimer.seen(key) else IN_PROGRESS
            if guard is not None and claimer is None and guard.seen(key):
                return DUPLICATE
        except Exception:  # the guard's own store failed: its error types are its own
            logger.exception("the replay guard could not be asked about an event")
            return GUARD_UNAVAILABLE
        handled = False
        try:
            # The claim is renewed while on_event runs, and lapses if this worker dies.
            with kept(claimer, key) if claimer is not None else nullcontext():
                if self.store is not None and isinstance(event, RunCompletedEvent):
                    try:
                        payload = event.post.to_payload(self.store_locale)
                    except ValidationError as exc:  # a retry would not mend it: 4xx
                        return validation_failed(exc, "The post breaks a publish limit")
                    try:
                        yield self.call(self.store.save, (payload,), False)
                    except Exception as exc:
                        return callback_failed(exc, "the store (saving a run's post)")
                if self.on_event is not None:
                    yield self.call(self.on_event, (event,), self._event_is_async)
            handled = True
        except Exception as exc:
            return callback_failed(exc, "on_event")
        finally:
            # Also when the flow is closed unfinished (a cancelled task): a claim
            # left behind would turn every retry of the event away.
            if claimer is not None and not handled:
                _quietly(claimer.release, key)
        if guard is not None:
            # The event ran: 200 even if this fails, since a 5xx would run it again.
            _quietly(guard.remember, key)
        return ACCEPTED
