"""A client class per framework, each driving that framework's own test client."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from wsgiref.validate import validator

from .base import PATH, ClientResponse, HttpClient, joined, lower

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette nudges towards httpx2; httpx is what we test with
    from starlette.testclient import TestClient


class _StarletteBased(HttpClient):
    name = "starlette"

    def __init__(self, app: Any) -> None:
        self.client = TestClient(app, follow_redirects=False)

    def send(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> ClientResponse:
        response = self.client.request(method, path, content=body, headers=headers)
        return ClientResponse(response.status_code, lower(response.headers), response.content)


class AsgiClient(_StarletteBased):
    """The plain ASGI app, routed by Starlette as its users would."""

    name = "asgi"

    def __init__(self, *, receiver: bool = False, **options: Any) -> None:
        from starlette.applications import Starlette

        from wonderblogs_target import asgi

        factory = asgi.create_wonderblogs_callback_app if receiver else asgi.create_wonderblogs_app
        super().__init__(Starlette(routes=factory(**options).routes(PATH)))


class FastAPIClient(_StarletteBased):
    name = "fastapi"

    def __init__(self, *, receiver: bool = False, **options: Any) -> None:
        from fastapi import FastAPI

        from wonderblogs_target import fastapi

        factory = (
            fastapi.create_wonderblogs_callback_router
            if receiver
            else fastapi.create_wonderblogs_router
        )
        self.app = FastAPI()
        self.app.include_router(factory(**options), prefix=PATH)
        super().__init__(self.app)


class _WerkzeugBased(HttpClient):
    """Flask's test client and Werkzeug's are the same client underneath."""

    client: Any

    def send(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> ClientResponse:
        response = self.client.open(path, method=method, data=body, headers=headers)
        try:
            return ClientResponse(
                response.status_code, lower(response.headers), response.get_data()
            )
        finally:
            response.close()  # wsgiref.validate checks that the server closes the iterable


class FlaskClient(_WerkzeugBased):
    name = "flask"

    def __init__(
        self, *, receiver: bool = False, config: Mapping[str, Any] | None = None, **options: Any
    ) -> None:
        from flask import Flask

        from wonderblogs_target import flask

        factory = (
            flask.create_wonderblogs_callback_blueprint
            if receiver
            else flask.create_wonderblogs_blueprint
        )
        self.app = Flask("contract")
        self.app.config.update(config or {})
        self.app.register_blueprint(factory(**options), url_prefix=PATH)
        self.client = self.app.test_client()


class DjangoClient(HttpClient):
    name = "django"

    def __init__(
        self, *, receiver: bool = False, enforce_csrf_checks: bool = False, **options: Any
    ) -> None:
        from django.test import Client
        from django.urls import path

        from tests.django_project.urls import set_patterns
        from wonderblogs_target import django

        factory = (
            django.create_wonderblogs_callback_view if receiver else django.create_wonderblogs_view
        )
        self.view = factory(**options)
        set_patterns(path(PATH.lstrip("/"), self.view), path(PATH.lstrip("/") + "/", self.view))
        self.client = Client(enforce_csrf_checks=enforce_csrf_checks)

    def send(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> ClientResponse:
        sent = joined(headers)
        content_type = next(
            (sent.pop(name) for name in list(sent) if name.lower() == "content-type"), ""
        )
        response = self.client.generic(
            method, path, data=body, content_type=content_type, headers=sent
        )
        return ClientResponse(response.status_code, lower(response.headers), response.content)


class DjangoAppClient(DjangoClient):
    """The reusable Django app at the suite's path, configured through
    ``WONDERBLOGS`` as its users configure it; articles also land in its models."""

    name = "django-app"
    SETTINGS: ClassVar[dict[str, str]] = {
        "api_key": "API_KEY",
        "get_context": "CONTEXT",
        "on_publish": "ON_PUBLISH",
        "allow_unauthenticated": "ALLOW_UNAUTHENTICATED",
        "max_body_size": "MAX_BODY_SIZE",
        "callback_timeout": "CALLBACK_TIMEOUT",
        "body_timeout": "BODY_TIMEOUT",
    }

    def __init__(self, **options: Any) -> None:
        from django.test import Client, override_settings
        from django.urls import include, path

        from tests.django_project.urls import set_patterns

        self.override = override_settings(
            WONDERBLOGS={self.SETTINGS[name]: value for name, value in options.items()}
        )
        self.override.enable()
        app = include("wonderblogs_target.contrib.django.urls")
        set_patterns(path(PATH.lstrip("/"), app))
        self.client = Client()


class WsgiClient(_WerkzeugBased):
    """The plain WSGI app under ``wsgiref.validate``, driven by Werkzeug's test client."""

    name = "wsgi"

    def __init__(self, *, receiver: bool = False, **options: Any) -> None:
        from werkzeug.test import Client

        from wonderblogs_target import wsgi

        factory = (
            wsgi.create_wonderblogs_callback_wsgi_app
            if receiver
            else wsgi.create_wonderblogs_wsgi_app
        )
        self.client = Client(validator(factory(**options)))


ClientFactory = Callable[..., HttpClient]

CLIENTS: dict[str, ClientFactory] = {
    "asgi": AsgiClient,
    "fastapi": FastAPIClient,
    "flask": FlaskClient,
    "django": DjangoClient,
    "wsgi": WsgiClient,
}
