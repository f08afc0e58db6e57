"""Flask adapter: the `Wonderblogs` extension, and blueprints for the
target endpoint and the callback receiver.

The extension, the Flask way (an app factory, configuration in ``app.config``)::

    from wonderblogs_target.flask import Wonderblogs

    wonderblogs = Wonderblogs(store="sqlite:///wonderblogs.db")

    @wonderblogs.context_provider
    def context(): ...

    def create_app():
        app = Flask(__name__)
        app.config["WONDERBLOGS_API_KEY"] = ...
        wonderblogs.init_app(app)
        return app

The blueprints, for apps that wire things themselves::

    app.register_blueprint(
        create_wonderblogs_blueprint(get_context=..., on_publish=...),
        url_prefix="/api/wonderblogs",
    )

Left out, ``api_key`` is read from ``app.config["WONDERBLOGS_API_KEY"]`` of the
app handling the request, so one blueprint works in an app factory and in
several apps with different keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from typing_extensions import Unpack

from ._endpoint import Endpoint
from ._extras import missing_extra
from ._keys import first_key
from .core import ContextDocument, ContextProvider, PublishHandler, TargetOptions, WonderblogsTarget
from .errors import ConfigurationError
from .http import ROUTED_METHODS, Request, iter_chunks
from .stores import Store

if TYPE_CHECKING:
    from .callbacks.receiver import EventHandler, ReceiverOptions

try:
    import click
    from flask import Blueprint, Flask, current_app, request
    from flask import Response as FlaskResponse
    from flask.cli import AppGroup
except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
    raise missing_extra("flask", "flask") from exc

__all__ = [
    "CONFIG_KEY",
    "Wonderblogs",
    "create_wonderblogs_blueprint",
    "create_wonderblogs_callback_blueprint",
]

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
    trailing slash). Takes the keyword arguments of
    [`WonderblogsTarget`][wonderblogs_target.WonderblogsTarget]."""
    if "api_key" not in options and not options.get("allow_unauthenticated"):
        options["api_key"] = _key_from_config
    return _blueprint(name, WonderblogsTarget(**options))


def create_wonderblogs_callback_blueprint(
    *, name: str = "wonderblogs_callbacks", **options: Unpack[ReceiverOptions]
) -> Blueprint:
    """Blueprint receiving signed callbacks at its ``url_prefix``; the key
    defaults to ``app.config["WONDERBLOGS_API_KEY"]`` as for the target."""
    options.setdefault("api_key", _key_from_config)
    from .callbacks.receiver import WonderblogsCallbackReceiver

    return _blueprint(name, WonderblogsCallbackReceiver(**options))


F = TypeVar("F", bound=Callable[..., Any])

#: Configuration keys the extension reads, with their defaults.
DEFAULTS: dict[str, Any] = {
    "WONDERBLOGS_API_KEY": None,
    "WONDERBLOGS_URL": "/api/wonderblogs",
    "WONDERBLOGS_MAX_BODY_SIZE": None,
    "WONDERBLOGS_BODY_TIMEOUT": 30.0,
    "WONDERBLOGS_ALLOW_UNAUTHENTICATED": False,
    "WONDERBLOGS_CONTEXT": None,
    "WONDERBLOGS_STORE": None,
    "WONDERBLOGS_CALLBACK_URL": "/api/wonderblogs/callbacks",
    "WONDERBLOGS_CALLBACK_SECRET": None,
}


class Wonderblogs:
    """The Flask extension: one object, created at import time, serving any
    number of apps through `init_app`.

    Where articles go: ``store=`` (a store URL or a
    [`Store`][wonderblogs_target.stores.Store]; or ``WONDERBLOGS_STORE`` in the
    app's config), a `publish_handler`, or both (the handler then runs
    after the store saved). The context comes from a `context_provider`,
    or from ``WONDERBLOGS_CONTEXT`` in the config. Register the handlers before
    `init_app` is called, as module-level decorators are.

    Configuration (``app.config``): ``WONDERBLOGS_API_KEY`` (a key, a list during
    a rotation, or a callable; read on every request), ``WONDERBLOGS_URL``
    (default ``/api/wonderblogs``), ``WONDERBLOGS_MAX_BODY_SIZE``,
    ``WONDERBLOGS_ALLOW_UNAUTHENTICATED``, and for signed callbacks, served once an
    `event_handler` is registered, ``WONDERBLOGS_CALLBACK_URL`` (default
    ``/api/wonderblogs/callbacks``) and ``WONDERBLOGS_CALLBACK_SECRET`` (default:
    the API key, which is what Wonderblogs signs with).
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        store: Store | str | None = None,
        get_context: ContextProvider | ContextDocument | None = None,
        on_publish: PublishHandler | None = None,
        on_event: EventHandler | None = None,
    ) -> None:
        self.store = store
        self.get_context = get_context
        self.on_publish = on_publish
        self.on_event = on_event
        if app is not None:
            self.init_app(app)

    def context_provider(self, func: F) -> F:
        """Decorate the function that returns the brand context."""
        self.get_context = func
        return func

    def publish_handler(self, func: F) -> F:
        """Decorate the function that receives each article."""
        self.on_publish = func
        return func

    def event_handler(self, func: F) -> F:
        """Decorate the function that receives each signed callback event."""
        self.on_event = func
        return func

    def init_app(self, app: Flask) -> None:
        """Serve the endpoint (and the callback receiver) in ``app``, configured
        from ``app.config``; refuses, with a
        [`ConfigurationError`][wonderblogs_target.errors.ConfigurationError], a setup
        that could not work."""
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        config = app.config
        open_endpoint = bool(config["WONDERBLOGS_ALLOW_UNAUTHENTICATED"])
        if config["WONDERBLOGS_API_KEY"] is None and not open_endpoint:
            raise ConfigurationError(
                "WONDERBLOGS_API_KEY is not set in app.config: set it to the Target "
                "Authentication Key from the Wonderblogs dashboard (or set "
                "WONDERBLOGS_ALLOW_UNAUTHENTICATED = True for an open endpoint)"
            )
        context = (
            self.get_context if self.get_context is not None else config["WONDERBLOGS_CONTEXT"]
        )
        if context is None:
            raise ConfigurationError(
                "no brand context: decorate a function with @wonderblogs.context_provider "
                "or set WONDERBLOGS_CONTEXT in app.config"
            )
        options: TargetOptions = {
            "get_context": context,
            "on_publish": self.on_publish,
            "store": self.store if self.store is not None else config["WONDERBLOGS_STORE"],
        }
        if open_endpoint:
            options["allow_unauthenticated"] = True
        else:
            options["api_key"] = _key_from_config
        options["body_timeout"] = config["WONDERBLOGS_BODY_TIMEOUT"]
        if config["WONDERBLOGS_MAX_BODY_SIZE"] is not None:
            options["max_body_size"] = int(config["WONDERBLOGS_MAX_BODY_SIZE"])
        target = WonderblogsTarget(**options)
        state = _State(target)
        app.register_blueprint(
            _blueprint("wonderblogs", target), url_prefix=config["WONDERBLOGS_URL"]
        )
        if self.on_event is not None:
            from .callbacks.receiver import WonderblogsCallbackReceiver

            receiver = WonderblogsCallbackReceiver(api_key=_callback_secret, on_event=self.on_event)
            app.register_blueprint(
                _blueprint("wonderblogs_callbacks", receiver),
                url_prefix=config["WONDERBLOGS_CALLBACK_URL"],
            )
        app.extensions["wonderblogs"] = state
        app.cli.add_command(_cli)

    @staticmethod
    def target(app: Flask | None = None) -> WonderblogsTarget:
        """The target serving ``app`` (default: the current app)."""
        state: _State = (app or current_app).extensions["wonderblogs"]
        return state.target


class _State:
    """What the extension keeps per app, in ``app.extensions["wonderblogs"]``."""

    def __init__(self, target: WonderblogsTarget) -> None:
        self.target = target


def _callback_secret() -> Any:
    config = current_app.config
    return config.get("WONDERBLOGS_CALLBACK_SECRET") or config.get(CONFIG_KEY)


# AppGroup runs each command inside the app context, as Flask CLI commands expect.
_cli = AppGroup("wonderblogs", help="The Wonderblogs endpoint of this app.")


@_cli.command("check")
@click.option("--publish", is_flag=True, help="Also POST a test article (it is stored).")
@click.option("--rewrite", is_flag=True, help="Also POST its rewrite; implies --publish.")
def _check(publish: bool, rewrite: bool) -> None:
    """Check this app's endpoint in process, as Wonderblogs would use it.
    Exit status 0 when it conforms, 1 when a check fails."""
    from .testing import check_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key = first_key(app.config.get(CONFIG_KEY))
    if not key:
        raise click.UsageError(
            "WONDERBLOGS_API_KEY is not set: the checks use it as Wonderblogs does"
        )
    path = app.config["WONDERBLOGS_URL"]
    report = check_app(app, path=path, api_key=key, publish=publish, rewrite=rewrite)
    click.echo(report.to_text())
    raise SystemExit(report.exit_code)
