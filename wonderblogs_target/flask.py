"""Flask adapter: blueprints for the target endpoint and the callback receiver.

    from wonderblogs_target.flask import create_wonderblogs_blueprint

    app.register_blueprint(
        create_wonderblogs_blueprint(get_context=..., on_publish=...),
        url_prefix="/api/wonderblogs",
    )

Left out, ``api_key`` is read from ``app.config["WONDERBLOGS_API_KEY"]`` of the
app handling the request, so one blueprint works in an app factory and in
several apps with different keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from typing_extensions import Unpack

from ._endpoint import Endpoint
from ._extras import missing_extra
from .core import TargetOptions, WonderblogsTarget
from .http import ROUTED_METHODS, Request, iter_chunks
from .receiver import ReceiverOptions, WonderblogsCallbackReceiver

try:
    from flask import Blueprint, current_app, request
    from flask import Response as FlaskResponse
except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
    raise missing_extra("flask", "flask") from exc

__all__ = ["CONFIG_KEY", "create_wonderblogs_blueprint", "create_wonderblogs_callback_blueprint"]

CONFIG_KEY = "WONDERBLOGS_API_KEY"


def _key_from_config() -> Any:
    return current_app.config.get(CONFIG_KEY)


def _body(incoming: Any) -> Iterator[bytes]:
    # The stream, not request.data, so an oversized body is refused unread; and
    # opened only when the core reads it (never for a GET).
    yield from iter_chunks(incoming.stream.read, None)


def _blueprint(name: str, endpoint: Endpoint) -> Blueprint:
    def view() -> FlaskResponse:
        incoming = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
        answer = endpoint.handle(Request(incoming.method, incoming.headers, _body(incoming)))
        return FlaskResponse(answer.body, answer.status, list(answer.headers))

    blueprint = Blueprint(name, __name__)
    # Every method goes to the core, so a wrong one gets its JSON 405; both
    # slash forms are served, since Wonderblogs does not follow redirects.
    for rule in ("", "/"):
        blueprint.add_url_rule(
            rule,
            "endpoint",
            view,
            methods=list(ROUTED_METHODS),
            strict_slashes=False,
            provide_automatic_options=False,
        )
    return blueprint


def create_wonderblogs_blueprint(
    *, name: str = "wonderblogs", **options: Unpack[TargetOptions]
) -> Blueprint:
    """Blueprint serving GET and POST at its ``url_prefix`` (with or without a
    trailing slash). Takes the keyword arguments of :class:`WonderblogsTarget`."""
    if "api_key" not in options and not options.get("allow_unauthenticated"):
        options["api_key"] = _key_from_config
    return _blueprint(name, WonderblogsTarget(**options))


def create_wonderblogs_callback_blueprint(
    *, name: str = "wonderblogs_callbacks", **options: Unpack[ReceiverOptions]
) -> Blueprint:
    """Blueprint receiving signed callbacks at its ``url_prefix``; the key
    defaults to ``app.config["WONDERBLOGS_API_KEY"]`` as for the target."""
    options.setdefault("api_key", _key_from_config)
    return _blueprint(name, WonderblogsCallbackReceiver(**options))
