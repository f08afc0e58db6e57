"""Apps whose callbacks misbehave on request, for the fault tests. The slug of
the article says what to do: "raise", "hang", anything else is stored."""

from __future__ import annotations

import time
from typing import Any

from tests import samples
from wonderblogs_target import PublishPayload

KEY = "fault-key-0123"
stored: list[str] = []


def on_publish(payload: PublishPayload) -> None:
    if payload.slug == "raise":
        raise RuntimeError("the database is on fire")
    if payload.slug == "hang":
        time.sleep(60)
    stored.append(payload.slug)


OPTIONS: dict[str, Any] = {
    "api_key": KEY,
    "get_context": samples.context,
    "on_publish": on_publish,
    "callback_timeout": 1.0,
    "body_timeout": 1.0,
}


def fastapi_app() -> Any:
    from fastapi import FastAPI

    from wonderblogs_target.fastapi import create_wonderblogs_router

    app = FastAPI()
    app.include_router(create_wonderblogs_router(**OPTIONS), prefix="/api/wonderblogs")
    return app


def flask_app() -> Any:
    from flask import Flask

    from wonderblogs_target.flask import create_wonderblogs_blueprint

    app = Flask(__name__)
    app.register_blueprint(create_wonderblogs_blueprint(**OPTIONS), url_prefix="/api/wonderblogs")
    return app


def callbacks_wsgi_app() -> Any:
    """A callback receiver with the default replay guard (memory)."""
    from wonderblogs_target.wsgi import create_wonderblogs_callback_wsgi_app

    return create_wonderblogs_callback_wsgi_app(api_key="fault-key", on_event=print)
