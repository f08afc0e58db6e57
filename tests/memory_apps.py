"""The adapters as the memory test measures them (``harness.memory``): each
answers POST at its ``PATH`` with its ``KEY``, and keeps nothing."""

from __future__ import annotations

from typing import Any

from harness.memory import KEY, PATH
from tests import samples

OPTIONS: dict[str, Any] = {
    "api_key": KEY,
    "get_context": samples.context(),
    "on_publish": lambda article: None,
}


def asgi_app() -> Any:
    from wonderblogs_target.asgi import create_wonderblogs_app

    return create_wonderblogs_app(**OPTIONS)


def fastapi_app() -> Any:
    from fastapi import FastAPI

    from wonderblogs_target.fastapi import create_wonderblogs_router

    app = FastAPI()
    app.include_router(create_wonderblogs_router(**OPTIONS), prefix=PATH)
    return app


def flask_app() -> Any:
    from flask import Flask

    from wonderblogs_target.flask import create_wonderblogs_blueprint

    app = Flask("memory")
    app.register_blueprint(create_wonderblogs_blueprint(**OPTIONS), url_prefix=PATH)
    return app


def django_app() -> Any:
    import django
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    settings.configure(DEBUG=False, SECRET_KEY="memory", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__)
    django.setup()
    return get_wsgi_application()


def wsgi_app() -> Any:
    from wonderblogs_target.wsgi import create_wonderblogs_wsgi_app

    return create_wonderblogs_wsgi_app(**OPTIONS)


def __getattr__(name: str) -> Any:
    # Django asks for this module's urlpatterns only in the django_app process.
    if name == "urlpatterns":
        from django.urls import path

        from wonderblogs_target.django import create_wonderblogs_view

        return [path(PATH.lstrip("/"), create_wonderblogs_view(**OPTIONS))]
    raise AttributeError(name)
