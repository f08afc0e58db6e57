"""Receive Wonderblogs articles in any Python web app.

The package root holds the contract models, the framework-free handler and the
OpenAPI generator; it never imports a web framework. Each framework has its own
module (``wonderblogs_target.fastapi``, ``.asgi``, ``.flask``, ``.django``,
``.wsgi``), installed with the extra of the same name.
"""

from .core import DEFAULT_MAX_BODY_SIZE, WonderblogsTarget
from .errors import ConfigurationError, PublishRejected
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

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "ConfigurationError",
    "ContextResponse",
    "ImageOutput",
    "PublishPayload",
    "PublishRejected",
    "RecentArticle",
    "Request",
    "Response",
    "Seo",
    "Source",
    "VisualIdentity",
    "WonderblogsTarget",
    "__version__",
    "generate_openapi_spec",
]
