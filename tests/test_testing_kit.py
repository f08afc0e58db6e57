"""The testing kit as a user meets it: the README's test file, run by pytest in
a fresh project for each framework, with the fixtures coming from the plugin
alone; a broken app failing with messages that name each problem; and the
documents the fixtures make."""

from __future__ import annotations

import pytest

from tests.helpers import readme_block
from tests.limits import PUBLISH_LIMITS, get_path
from wonderblogs_target import PublishPayload, parse_callback_event, verify_signature
from wonderblogs_target.callbacks.events import EVENT_TYPES
from wonderblogs_target.testing import ArticleFactory, signed_callback

BRAND = """
KEY = "test-key"
BRAND = {
    "brand_identity": "Acme builds deployment tooling.",
    "tone_of_voice": "Plain.",
    "instructions": "One example per article.",
    "content_focus": "Cloud spend",
}
events = []
"""

APPS = {
    "fastapi": BRAND
    + """
from fastapi import FastAPI
from wonderblogs_target.fastapi import create_wonderblogs_callback_router, create_wonderblogs_router

app = FastAPI()
app.include_router(
    create_wonderblogs_router(api_key=KEY, get_context=BRAND, store="sqlite:///wonderblogs.db"),
    prefix="/api/wonderblogs",
)
app.include_router(
    create_wonderblogs_callback_router(api_key=KEY, on_event=events.append),
    prefix="/webhooks/wonderblogs",
)
""",
    "starlette": BRAND
    + """
from starlette.applications import Starlette
from wonderblogs_target.asgi import create_wonderblogs_app, create_wonderblogs_callback_app

target = create_wonderblogs_app(api_key=KEY, get_context=BRAND, store="sqlite:///wonderblogs.db")
callbacks = create_wonderblogs_callback_app(api_key=KEY, on_event=events.append)
routes = [*target.routes("/api/wonderblogs"), *callbacks.routes("/webhooks/wonderblogs")]
app = Starlette(routes=routes)
""",
    "flask": BRAND
    + """
from flask import Flask
from wonderblogs_target.flask import Wonderblogs

wonderblogs = Wonderblogs(store="sqlite:///wonderblogs.db")

@wonderblogs.context_provider
def context():
    return BRAND

@wonderblogs.event_handler
def on_event(event):
    events.append(event)

def create_app():
    app = Flask(__name__)
    app.config["WONDERBLOGS_API_KEY"] = KEY
    app.config["WONDERBLOGS_CALLBACK_URL"] = "/webhooks/wonderblogs"
    wonderblogs.init_app(app)
    return app

app = create_app()
""",
    "django": BRAND
    + """
import django
from django.conf import settings
from django.urls import path
from wonderblogs_target.django import create_wonderblogs_callback_view, create_wonderblogs_view

settings.configure(SECRET_KEY="test", ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"])
django.setup()
urlpatterns = [
    path("api/wonderblogs", create_wonderblogs_view(
        api_key=KEY, get_context=BRAND, store="sqlite:///wonderblogs.db"
    )),
    path("webhooks/wonderblogs", create_wonderblogs_callback_view(
        api_key=KEY, on_event=events.append
    )),
]

from django.core.wsgi import get_wsgi_application

app = get_wsgi_application()
""",
    "wsgi": BRAND
    + """
from wonderblogs_target import wsgi

target = wsgi.create_wonderblogs_wsgi_app(
    api_key=KEY, get_context=BRAND, store="sqlite:///wonderblogs.db"
)
callbacks = wsgi.create_wonderblogs_callback_wsgi_app(api_key=KEY, on_event=events.append)

def app(environ, start_response):
    if environ["PATH_INFO"].startswith("/webhooks/wonderblogs"):
        return callbacks(environ, start_response)
    return target(environ, start_response)
""",
}


@pytest.mark.parametrize("framework", sorted(APPS))
def test_the_readme_test_file_passes_in_a_project_of_each_framework(pytester, framework):
    pytester.makepyfile(
        myapp=APPS[framework], test_wonderblogs=readme_block("<!-- testing-example -->")
    )
    # A process of its own, as a user's test run is: Django's settings are per
    # process, and an app imported as "myapp" here would stay for later tests.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
    assert not (pytester.path / "conftest.py").exists()


BROKEN = (
    BRAND
    + """
from starlette.applications import Starlette
from wonderblogs_target.asgi import create_wonderblogs_app

from starlette.responses import JSONResponse
from starlette.routing import Route

async def extra_field(request):
    # Hand-written, as a site's own endpoint would be: it sends a key the contract lacks.
    if request.headers.get("authorization") != f"Bearer {KEY}":
        return JSONResponse({"error": "no"}, status_code=401)
    return JSONResponse({**BRAND, "recent_articles": [], "favourite_colour": "teal"})

def fails(article):
    raise RuntimeError("the database is down")

FULL = {**BRAND, "recent_articles": []}
open_ = create_wonderblogs_app(allow_unauthenticated=True, get_context=FULL, on_publish=print)
crashing = create_wonderblogs_app(api_key=KEY, get_context=FULL, on_publish=fails)
routes = [
    Route("/extra", extra_field, methods=["GET", "POST"]),
    *open_.routes("/open"),
    *crashing.routes("/crash"),
]
app = Starlette(routes=routes)
"""
)

BROKEN_TESTS = """
from myapp import KEY, app
from wonderblogs_target.testing import assert_conformant

def test_extra_field():
    assert_conformant(app, path="/extra", api_key=KEY, publish=False, rewrite=False)

def test_open_endpoint():
    assert_conformant(app, path="/open", api_key=KEY)

def test_publish_fails():
    assert_conformant(app, path="/crash", api_key=KEY)
"""


def test_a_broken_app_fails_with_messages_that_name_each_problem(pytester):
    pytester.makepyfile(myapp=BROKEN, test_broken=BROKEN_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=3)
    output = result.stdout.str()
    assert "/extra does not meet the Wonderblogs target contract" in output
    assert "favourite_colour: unknown key; no additional properties are allowed" in output
    assert "answered 200: the endpoint is open to anyone" in output
    assert "answered 500; Wonderblogs would keep the article as ready to push" in output


# -- the documents the fixtures make ----------------------------------------------


def test_an_article_is_valid_and_of_realistic_size():
    article = ArticleFactory()()
    payload = PublishPayload.model_validate(article)
    assert 10_000 < len(payload.content) < 20_000
    assert not payload.is_update
    rewrite = PublishPayload.model_validate(ArticleFactory()(rewrite=True, slug="mine"))
    assert rewrite.is_update
    assert rewrite.external_id == "ext-mine"


def test_an_article_at_limits_has_every_field_at_its_maximum():
    article = ArticleFactory().at_limits()
    PublishPayload.model_validate(article)
    for path, kind, limit in PUBLISH_LIMITS:
        value = get_path(article, path)
        assert len(value) == limit, (path, kind)


@pytest.mark.parametrize("event", EVENT_TYPES)
def test_a_signed_callback_verifies_and_parses(event):
    headers, body = signed_callback(event, secret="s3cret", run_id="run_9", job_id="job_9")
    verify_signature(body, headers, "s3cret")
    parsed = parse_callback_event(body)
    assert parsed.event == event
    assert parsed.status == event.split(".")[1]


def test_an_unknown_callback_event_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"run\.completed"):
        signed_callback("run.exploded", secret="s")
