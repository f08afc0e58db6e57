"""Flask specifics: the key from app.config, the app-factory pattern."""

from __future__ import annotations

import logging

from flask import Flask

from tests import samples
from wonderblogs_target.flask import create_wonderblogs_blueprint


def create_app(key: str | None, published: list) -> Flask:
    app = Flask(__name__)
    if key is not None:
        app.config["WONDERBLOGS_API_KEY"] = key
    app.register_blueprint(
        create_wonderblogs_blueprint(get_context=samples.context, on_publish=published.append),
        url_prefix="/api/wonderblogs",
    )
    return app


def test_key_comes_from_app_config():
    published: list = []
    client = create_app("config-key", published).test_client()
    assert client.get("/api/wonderblogs").status_code == 401
    ok = client.post(
        "/api/wonderblogs",
        data=samples.body(samples.PAYLOAD),
        headers={"Authorization": "Bearer config-key"},
    )
    assert ok.status_code == 200
    assert published[0].slug == samples.PAYLOAD["slug"]


def test_app_factory_gives_each_app_its_own_key():
    first = create_app("key-one", []).test_client()
    second = create_app("key-two", []).test_client()
    one = {"Authorization": "Bearer key-one"}
    assert first.get("/api/wonderblogs", headers=one).status_code == 200
    assert second.get("/api/wonderblogs", headers=one).status_code == 401


def test_one_blueprint_in_two_apps_reads_each_apps_config():
    blueprint = create_wonderblogs_blueprint(get_context=samples.context, on_publish=print)
    apps = []
    for key in ("alpha", "beta"):
        app = Flask(key)
        app.config["WONDERBLOGS_API_KEY"] = key
        app.register_blueprint(blueprint, url_prefix="/wb")
        apps.append(app.test_client())
    assert apps[0].get("/wb", headers={"Authorization": "Bearer alpha"}).status_code == 200
    assert apps[1].get("/wb", headers={"Authorization": "Bearer alpha"}).status_code == 401
    assert apps[1].get("/wb", headers={"Authorization": "Bearer beta"}).status_code == 200


def test_config_set_after_registration_is_used():
    app = create_app(None, [])
    app.config["WONDERBLOGS_API_KEY"] = "late-key"
    assert (
        app.test_client()
        .get("/api/wonderblogs", headers={"Authorization": "Bearer late-key"})
        .status_code
        == 200
    )


def test_missing_config_key_is_a_logged_500_not_an_open_door(caplog):
    client = create_app(None, []).test_client()
    with caplog.at_level(logging.ERROR, logger="wonderblogs_target"):
        response = client.get("/api/wonderblogs", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 500
    assert "misconfigured" in caplog.text
