"""Schemathesis, driven by our own OpenAPI document, against every adapter in
process: positive and negative cases, with a valid key. Every response must be
in the spec (status, headers, body schema) and none may be a 5xx.

The normal run uses a bounded number of examples; ``pytest -m slow`` runs many more.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from tests import samples
from tests.contract.clients.base import PATH
from tests.helpers import AUTH, KEY
from wonderblogs_target import PublishPayload, generate_openapi_spec


def options(published: list[PublishPayload]) -> dict[str, Any]:
    return {"api_key": KEY, "get_context": samples.context, "on_publish": published.append}


def asgi_app(published: list[PublishPayload]) -> Any:
    from starlette.applications import Starlette

    from wonderblogs_target.asgi import create_wonderblogs_app

    return Starlette(routes=create_wonderblogs_app(**options(published)).routes(PATH))


def fastapi_app(published: list[PublishPayload]) -> Any:
    from fastapi import FastAPI

    from wonderblogs_target.fastapi import create_wonderblogs_router

    app = FastAPI()
    app.include_router(create_wonderblogs_router(**options(published)), prefix=PATH)
    return app


def flask_app(published: list[PublishPayload]) -> Any:
    from flask import Flask

    from wonderblogs_target.flask import create_wonderblogs_blueprint

    app = Flask("schemathesis")
    app.register_blueprint(create_wonderblogs_blueprint(**options(published)), url_prefix=PATH)
    return app


def django_app(published: list[PublishPayload]) -> Any:
    from django.core.handlers.wsgi import WSGIHandler
    from django.urls import path

    from tests.django_project.urls import set_patterns
    from wonderblogs_target.django import create_wonderblogs_view

    set_patterns(path(PATH.lstrip("/"), create_wonderblogs_view(**options(published))))
    return WSGIHandler()


def wsgi_app(published: list[PublishPayload]) -> Any:
    from wonderblogs_target.wsgi import create_wonderblogs_wsgi_app

    return create_wonderblogs_wsgi_app(**options(published))


APPS: dict[str, Callable[[list[PublishPayload]], Any]] = {
    "asgi": asgi_app,
    "fastapi": fastapi_app,
    "flask": flask_app,
    "django": django_app,
    "wsgi": wsgi_app,
}


def fuzz(name: str, method: str, mode: GenerationMode, examples: int) -> list[PublishPayload]:
    published: list[PublishPayload] = []
    schema = schemathesis.openapi.from_dict(generate_openapi_spec(path=PATH))
    schema.app = APPS[name](published)
    operation = schema[PATH][method]

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            response = case.call_and_validate(headers=dict(AUTH))
        assert response.status_code < 500

    check()
    return published


@pytest.mark.parametrize("name", sorted(APPS))
def test_positive_cases_conform_and_are_delivered(name):
    published = fuzz(name, "POST", GenerationMode.POSITIVE, examples=25)
    assert published, "no generated article reached on_publish"
    fuzz(name, "GET", GenerationMode.POSITIVE, examples=3)


@pytest.mark.parametrize("name", sorted(APPS))
def test_negative_cases_conform(name):
    # Schemathesis' own negative_data_rejection check asserts that data the
    # schema forbids gets a 4xx; some mutations (an extra key) stay valid here.
    fuzz(name, "POST", GenerationMode.NEGATIVE, examples=25)


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("name", sorted(APPS))
def test_many_cases(name, mode):
    fuzz(name, "POST", mode, examples=1_000)


@pytest.mark.parametrize("name", sorted(APPS))
def test_the_documented_example_is_run_and_delivered(name):
    """Schemathesis' example phase: the article of the documentation's example,
    sent as the document shows it, is accepted and reaches on_publish whole."""
    from wonderblogs_target.openapi import EXAMPLES

    published: list[PublishPayload] = []
    schema = schemathesis.openapi.from_dict(generate_openapi_spec(path=PATH))
    schema.app = APPS[name](published)
    [strategy] = schema[PATH]["POST"].get_strategies_from_examples()

    @settings(max_examples=1, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            response = case.call_and_validate(headers=dict(AUTH))
        assert response.status_code == 200

    check()
    assert published
    assert (
        published[0].model_dump(by_alias=True, exclude_none=True) == EXAMPLES["PublishPayload"][1]
    )
