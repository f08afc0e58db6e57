"""Receive Wonderblogs articles in any Python web app.

The package root holds the contract models, the framework-free handler and the
OpenAPI generator; it never imports a web framework. Each framework has its own
module (``wonderblogs_target.fastapi``, ``.asgi``, ``.flask``, ``.django``,
``.wsgi``), installed with the extra of the same name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import _moved
from ._version import __version__
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

if TYPE_CHECKING:
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

# The contract models, the callback side, the OpenAPI generator and the v1
# models are imported on first use: importing the package (or an adapter)
# does not pay for pydantic's model machinery until a model is needed, and a
# site that only receives articles never pays for the callback side.
_LAZY = {
    "ContextResponse": "models",
    "ImageOutput": "models",
    "PublishPayload": "models",
    "RecentArticle": "models",
    "Seo": "models",
    "Source": "models",
    "VisualIdentity": "models",
    "BODY_ONLY_SCHEME": "callbacks",
    "DEFAULT_SCHEME": "callbacks",
    "STANDARD_WEBHOOKS_SCHEME": "callbacks",
    "CallbackEvent": "callbacks",
    "CallbackPayloadError": "callbacks",
    "ClaimingReplayGuard": "callbacks",
    "ImageCompletedEvent": "callbacks",
    "ImageFailedEvent": "callbacks",
    "MemoryReplayGuard": "callbacks",
    "RedisReplayGuard": "callbacks",
    "ReplayGuard": "callbacks",
    "RunCompletedEvent": "callbacks",
    "RunFailedEvent": "callbacks",
    "RunSkippedEvent": "callbacks",
    "SignatureScheme": "callbacks",
    "SQLReplayGuard": "callbacks",
    "WonderblogsCallbackReceiver": "callbacks",
    "parse_callback_event": "callbacks",
    "sign_payload": "callbacks",
    "verify_signature": "callbacks",
    "generate_openapi_spec": "openapi",
    "GeneratedPost": "v1",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # once: the next look-up is an ordinary one
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


_moved.register(__name__)
