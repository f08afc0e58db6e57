"""The callback side: the v1 API's completion callbacks, received and
verified on the site.

- `signing`: the signature schemes, `sign_payload` and `verify_signature`;
- `events`: the five typed events and `parse_callback_event`;
- `receiver`: `WonderblogsCallbackReceiver`, the endpoint every adapter's
  callback receiver is built on;
- `replay`: the replay guards that keep a redelivered event from running twice;
- `diagnose`: why a signature does not verify (``wonderblogs-target verify``).

The package root re-exports the public names, so ``from wonderblogs_target
import verify_signature`` is the path to write.
"""

from .events import (
    CallbackEvent,
    CallbackPayloadError,
    ImageCompletedEvent,
    ImageFailedEvent,
    RunCompletedEvent,
    RunFailedEvent,
    RunSkippedEvent,
    parse_callback_event,
)
from .receiver import WonderblogsCallbackReceiver
from .replay import (
    ClaimingReplayGuard,
    MemoryReplayGuard,
    RedisReplayGuard,
    ReplayGuard,
    SQLReplayGuard,
    open_replay_guard,
)
from .signing import (
    BODY_ONLY_SCHEME,
    DEFAULT_SCHEME,
    STANDARD_WEBHOOKS_SCHEME,
    SignatureScheme,
    sign_payload,
    verify_signature,
)

__all__ = [
    "BODY_ONLY_SCHEME",
    "DEFAULT_SCHEME",
    "STANDARD_WEBHOOKS_SCHEME",
    "CallbackEvent",
    "CallbackPayloadError",
    "ClaimingReplayGuard",
    "ImageCompletedEvent",
    "ImageFailedEvent",
    "MemoryReplayGuard",
    "RedisReplayGuard",
    "ReplayGuard",
    "RunCompletedEvent",
    "RunFailedEvent",
    "RunSkippedEvent",
    "SQLReplayGuard",
    "SignatureScheme",
    "WonderblogsCallbackReceiver",
    "open_replay_guard",
    "parse_callback_event",
    "sign_payload",
    "verify_signature",
]
