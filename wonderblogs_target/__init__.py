"""Receive Wonderblogs articles in any Python web app.

The package root holds the contract models, the framework-free handler and the
OpenAPI generator; it never imports a web framework. Each framework has its own
module (``wonderblogs_target.fastapi``, ``.asgi``, ``.flask``, ``.django``,
``.wsgi``), installed with the extra of the same name.
"""

from . import _moved
from ._version import __version__
from .callbacks import (
    BODY_ONLY_SCHEME,
    DEFAULT_SCHEME,
    STANDARD_WEBHOOKS_SCHEME,
    CallbackEvent,
    CallbackPayloadError,
    ClaimingReplayGuard,
    ImageCompletedEvent,
    ImageFailedEvent,
    MemoryReplayGuard,
    RedisReplayGuard,
    ReplayGuard,
    RunCompletedEvent,
    RunFailedEvent,
    RunSkippedEvent,
    SignatureScheme,
    SQLReplayGuard,
    WonderblogsCallbackReceiver,
    parse_callback_event,
    sign_payload,
    verify_signature,
)
from .core import DEFAULT_MAX_BODY_SIZE, WonderblogsTarget
from .errors import (
    ConfigurationError,
    MalformedHeaderError,
    MissingHeaderError,
    PublishRejected,
    SignatureMismatchError,
    SignatureVerificationError,
    TimestampTooNewError,
    TimestampTooOldError,
    WonderblogsError,
)
from .http import Request, Response
from .models import (
    ContextResponse,
    ImageOutput,
    PublishPayload,
    RecentArticle,
    Seo,
    Source,
    VisualIdentity,
)
from .openapi import generate_openapi_spec
from .v1 import GeneratedPost

__all__ = [
    "BODY_ONLY_SCHEME",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_SCHEME",
    "STANDARD_WEBHOOKS_SCHEME",
    "CallbackEvent",
    "CallbackPayloadError",
    "ClaimingReplayGuard",
    "ConfigurationError",
    "ContextResponse",
    "GeneratedPost",
    "ImageCompletedEvent",
    "ImageFailedEvent",
    "ImageOutput",
    "MalformedHeaderError",
    "MemoryReplayGuard",
    "MissingHeaderError",
    "PublishPayload",
    "PublishRejected",
    "RecentArticle",
    "RedisReplayGuard",
    "ReplayGuard",
    "Request",
    "Response",
    "RunCompletedEvent",
    "RunFailedEvent",
    "RunSkippedEvent",
    "SQLReplayGuard",
    "Seo",
    "SignatureMismatchError",
    "SignatureScheme",
    "SignatureVerificationError",
    "Source",
    "TimestampTooNewError",
    "TimestampTooOldError",
    "VisualIdentity",
    "WonderblogsCallbackReceiver",
    "WonderblogsError",
    "WonderblogsTarget",
    "__version__",
    "generate_openapi_spec",
    "parse_callback_event",
    "sign_payload",
    "verify_signature",
]

_moved.register(__name__)
