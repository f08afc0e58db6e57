"""The Flask extension, used the Flask way: one object at module level,
``init_app`` in an app factory, configuration in ``app.config``; driven by
Flask's own test client and CLI runner."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests import samples
from wonderblogs_target import ConfigurationError, PublishPayload, RunCompletedEvent
from wonderblogs_target.flask import Wonderblogs
from wonderblogs_target.stores import open_store
from wonderblogs_target.testing import ArticleFactory, signed_callback

KEY = "flask-ext-key"


def bearer(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def make_extension(saved: list[PublishPayload]) -> Wonderblogs:
    """The README's snippet: decorators at module level."""
    wonderblogs = Wonderblogs()

    @wonderblogs.context_provider
    def context() -> dict[str, Any]:
        return samples.context()

    @wonderblogs.publish_handler
    def save(article: PublishPayload) -> None:
        saved.append(article)

    return wonderblogs


def create_app(wonderblogs: Wonderblogs, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update({"WONDERBLOGS_API_KEY": KEY, **config})
    wonderblogs.init_app(app)
    return app


def test_the_readme_snippet_serves_get_and_post():
    saved: list[PublishPayload] = []
    client = create_app(make_extension(saved)).test_client()
    assert client.get("/api/wonderblogs").status_code == 401
    got = client.get("/api/wonderblogs", headers=bearer())
    assert got.status_code == 200
    assert got.get_json() == samples.CONTEXT
    posted = client.post("/api/wonderblogs/", json=samples.PAYLOAD, headers=bearer())
    assert posted.status_code == 200
    assert [a.slug for a in saved] == [samples.PAYLOAD["slug"]]


def test_one_extension_serves_two_apps_with_their_own_configuration():
    saved: list[PublishPayload] = []
    wonderblogs = make_extension(saved)
    first = create_app(wonderblogs).test_client()
    second = create_app(
        wonderblogs, WONDERBLOGS_API_KEY="other-key", WONDERBLOGS_URL="/hooks/wb"
    ).test_client()
    assert first.get("/api/wonderblogs", headers=bearer()).status_code == 200
    assert first.get("/api/wonderblogs", headers=bearer("other-key")).status_code == 401
    assert second.get("/hooks/wb", headers=bearer("other-key")).status_code == 200
    assert second.get("/hooks/wb", headers=bearer()).status_code == 401
    assert second.get("/api/wonderblogs", headers=bearer("other-key")).status_code == 404


def test_the_key_is_read_from_the_config_on_every_request():
    app = create_app(make_extension([]))
    client = app.test_client()
    app.config["WONDERBLOGS_API_KEY"] = ["rotated-key", KEY]
    assert client.get("/api/wonderblogs", headers=bearer("rotated-key")).status_code == 200
    app.config["WONDERBLOGS_API_KEY"] = "rotated-key"
    assert client.get("/api/wonderblogs", headers=bearer()).status_code == 401


def test_a_missing_key_is_a_clear_error_at_init_app():
    app = Flask(__name__)
    with pytest.raises(ConfigurationError, match=r"WONDERBLOGS_API_KEY is not set in app\.config"):
        make_extension([]).init_app(app)


def test_an_open_endpoint_must_be_asked_for():
    app = Flask(__name__)
    app.config["WONDERBLOGS_ALLOW_UNAUTHENTICATED"] = True
    make_extension([]).init_app(app)
    assert app.test_client().get("/api/wonderblogs").status_code == 200


def test_nowhere_to_put_articles_or_no_context_is_a_clear_error():
    with pytest.raises(ConfigurationError, match="nowhere to put articles"):
        create_app(Wonderblogs(get_context=samples.context))
    with pytest.raises(ConfigurationError, match="context_provider"):
        create_app(Wonderblogs(on_publish=print))


def test_store_and_context_from_the_config(tmp_path):
    url = f"sqlite:///{tmp_path}/posts.db"
    brand = samples.brand()
    app = create_app(Wonderblogs(), WONDERBLOGS_STORE=url, WONDERBLOGS_CONTEXT=brand)
    client = app.test_client()
    assert (
        client.post("/api/wonderblogs", json=samples.PAYLOAD, headers=bearer()).status_code == 200
    )
    context = client.get("/api/wonderblogs", headers=bearer()).get_json()
    assert [a["title"] for a in context["recent_articles"]] == [samples.PAYLOAD["title"]]
    store = open_store(url)
    assert store.count() == 1
    store.close()


def test_the_body_limit_comes_from_the_config():
    app = create_app(make_extension([]), WONDERBLOGS_MAX_BODY_SIZE=5_000)
    client = app.test_client()
    assert (
        client.post("/api/wonderblogs", json=samples.PAYLOAD, headers=bearer()).status_code == 200
    )
    big = ArticleFactory()()  # about 12 KB
    assert client.post("/api/wonderblogs", json=big, headers=bearer()).status_code == 413


def test_signed_callbacks_reach_the_event_handler():
    events: list[Any] = []
    wonderblogs = make_extension([])

    @wonderblogs.event_handler
    def on_event(event: Any) -> None:
        events.append(event)

    client = create_app(wonderblogs).test_client()
    headers, body = signed_callback("run.completed", secret=KEY, run_id="run_7")
    answer = client.post("/api/wonderblogs/callbacks", data=body, headers=headers)
    assert answer.status_code == 200
    assert [(type(e), e.run_id) for e in events] == [(RunCompletedEvent, "run_7")]

    other = create_app(
        wonderblogs, WONDERBLOGS_CALLBACK_URL="/cb", WONDERBLOGS_CALLBACK_SECRET="cb-secret"
    ).test_client()
    headers, body = signed_callback("run.failed", secret="cb-secret", run_id="run_8")
    assert other.post("/cb", data=body, headers=headers).status_code == 200
    headers, body = signed_callback("run.failed", secret=KEY, run_id="run_9")
    assert other.post("/cb", data=body, headers=headers).status_code == 401


def test_flask_wonderblogs_check_passes_for_a_conforming_app(tmp_path):
    app = create_app(make_extension([]))
    result = app.test_cli_runner().invoke(args=["wonderblogs", "check", "--rewrite"])
    assert result.exit_code == 0, result.output
    assert "6 passed, 0 failed" in result.output
    assert KEY not in result.output


def test_flask_wonderblogs_check_fails_for_a_broken_context():
    wonderblogs = Wonderblogs(on_publish=print)

    @wonderblogs.context_provider
    def context() -> dict[str, Any]:
        return {**samples.context(), "tone_of_voice": "x" * 6_000}

    result = create_app(wonderblogs).test_cli_runner().invoke(args=["wonderblogs", "check"])
    assert result.exit_code == 1
    assert "FAIL  context" in result.output
