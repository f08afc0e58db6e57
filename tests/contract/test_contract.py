"""The contract suite: written once, run against every adapter through its
framework's own test client (see ``conftest.make_client``)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from tests import samples
from tests.contract.clients.base import PATH
from tests.contract.clients.frameworks import CLIENTS, DjangoAppClient
from tests.helpers import AUTH, KEY, Recorder
from wonderblogs_target import PublishPayload, PublishRejected

OTHER_METHODS = ["PUT", "PATCH", "DELETE"]


@pytest.fixture(params=[*sorted(CLIENTS), "django-app"])
def make_client(request: pytest.FixtureRequest) -> Any:
    """Every adapter, and the reusable Django app (configured by settings)."""
    if request.param != "django-app":
        yield CLIENTS[request.param]
        return
    request.getfixturevalue("django_db")
    clients: list[DjangoAppClient] = []

    def factory(**options: Any) -> DjangoAppClient:
        clients.append(DjangoAppClient(**options))
        return clients[-1]

    yield factory
    for client in reversed(clients):
        client.override.disable()


@pytest.fixture(params=sorted(CLIENTS))
def make_adapter_client(request: pytest.FixtureRequest) -> Any:
    """Every adapter: the options that only adapters take (``store=``)."""
    return CLIENTS[request.param]


def options(recorder: Recorder, mode: str = "sync", **extra: Any) -> dict[str, Any]:
    if mode == "async":
        callbacks = {
            "get_context": recorder.get_context_async,
            "on_publish": recorder.on_publish_async,
        }
    else:
        callbacks = {"get_context": recorder.get_context, "on_publish": recorder.on_publish}
    return {"api_key": KEY, **callbacks, **extra}


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- GET -----------------------------------------------------------------------


def test_get_returns_the_context(make_client, recorder, mode):
    client = make_client(**options(recorder, mode))
    response = client.request("GET", headers=AUTH)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == samples.CONTEXT


def test_get_leaves_out_unset_optionals_but_keeps_null_focus(make_client, recorder):
    recorder.context = {**samples.context(), "content_focus": None}
    del recorder.context["visual_identity"]
    recorder.context["recent_articles"] = [{"title": "Only a title"}]
    response = make_client(**options(recorder)).request("GET", headers=AUTH)
    assert response.status == 200
    assert response.json()["content_focus"] is None
    assert "visual_identity" not in response.json()
    assert response.json()["recent_articles"] == [{"title": "Only a title"}]


def test_head_answers_like_get_without_a_body(make_client, recorder):
    response = make_client(**options(recorder)).request("HEAD", headers=AUTH)
    assert response.status == 200
    assert response.body == b""


# -- auth ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Basic {KEY}"},
        {"Authorization": "Bearer"},
        {"Authorization": KEY},
        {"Authorization": f"Bearer {KEY}x"},
        {"Authorization": f"Bearer {KEY[:-1]}"},
    ],
    ids=["missing", "wrong", "basic", "empty-token", "no-scheme", "longer", "shorter"],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_bad_credentials_get_401(make_client, recorder, headers, method):
    client = make_client(**options(recorder))
    response = client.request(method, headers=headers, body=samples.body(samples.PAYLOAD))
    assert response.status == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json() == {"error": "Missing or invalid API key"}
    assert recorder.published == []


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_scheme_is_case_insensitive(make_client, recorder, scheme):
    response = make_client(**options(recorder)).request(
        "GET", headers={"Authorization": f"{scheme} {KEY}"}
    )
    assert response.status == 200


def test_any_of_several_keys_is_accepted(make_client, recorder):
    client = make_client(**{**options(recorder), "api_key": ["old-key", "new-key"]})
    for key in ("old-key", "new-key"):
        assert client.request("GET", headers={"Authorization": f"Bearer {key}"}).status == 200
    assert client.request("GET", headers={"Authorization": "Bearer other"}).status == 401


def test_open_endpoint_needs_no_header(make_client, recorder):
    opts = options(recorder)
    del opts["api_key"]
    client = make_client(**opts, allow_unauthenticated=True)
    assert client.request("GET").status == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_an_open_endpoint_takes_only_json_so_no_web_page_can_post(
    make_client, recorder, content_type
):
    """A cross-site form can send these types without a preflight; it cannot
    send application/json, nor an Authorization header."""
    opts = options(recorder)
    del opts["api_key"]
    client = make_client(**opts, allow_unauthenticated=True)
    body = samples.body(samples.PAYLOAD)
    headers = {"Content-Type": content_type} if content_type else {}
    refused = client.request("POST", headers=headers, body=body)
    assert refused.status == 415
    assert "application/json" in refused.json()["error"]
    json_type = {"Content-Type": "application/json; charset=utf-8"}
    assert client.request("POST", headers=json_type, body=body).status == 200
    assert len(recorder.published) == 1


def test_with_a_key_any_content_type_is_accepted(make_client, recorder):
    """A sender that leaves the header out must not lose an article; the key protects."""
    client = make_client(**options(recorder))
    body = samples.body(samples.PAYLOAD)
    assert (
        client.request("POST", headers={**AUTH, "Content-Type": "text/plain"}, body=body).status
        == 200
    )
    assert client.request("POST", headers=AUTH, body=body).status == 200


# -- POST ----------------------------------------------------------------------


def test_post_delivers_a_typed_payload(make_client, recorder, mode):
    client = make_client(**options(recorder, mode))
    response = client.request("POST", headers=AUTH, body=samples.body(samples.PAYLOAD))
    assert response.status == 200
    assert response.json() == {"ok": True}
    [payload] = recorder.published
    assert isinstance(payload, PublishPayload)
    assert payload.slug == "right-size-your-pods"
    assert payload.seo.meta_title == "Right-size Kubernetes pods"
    assert payload.cover_image_url == "/api/v1/images/download/post/123"
    assert payload.sources is not None
    assert payload.sources[0].url == "https://kubernetes.io/docs/"
    assert not payload.is_update


def test_rewrite_and_unknown_fields_reach_the_callback(make_client, recorder):
    data = {**samples.REWRITE, "readingTime": 7}
    response = make_client(**options(recorder)).request(
        "POST", headers=AUTH, body=samples.body(data)
    )
    assert response.status == 200
    [payload] = recorder.published
    assert payload.is_update
    assert payload.external_id == "post-456"
    assert payload.model_extra == {"readingTime": 7}


def test_trailing_slash_is_served_not_redirected(make_client, recorder):
    client = make_client(**options(recorder))
    response = client.request(
        "POST", path=PATH + "/", headers=AUTH, body=samples.body(samples.PAYLOAD)
    )
    assert response.status == 200
    assert len(recorder.published) == 1


@pytest.mark.parametrize("raw", [b"", b"{", b"not json", b"\xff\xfe\x00", b'{"slug": "a",}'])
def test_body_that_is_not_json_gets_400(make_client, recorder, raw):
    response = make_client(**options(recorder)).request("POST", headers=AUTH, body=raw)
    assert response.status == 400
    assert response.json() == {"error": "Request body is not valid JSON"}
    assert recorder.published == []


@pytest.mark.parametrize("raw", [b"[]", b"null", b"42", b'"text"'])
def test_json_that_is_not_an_object_gets_422(make_client, recorder, raw):
    response = make_client(**options(recorder)).request("POST", headers=AUTH, body=raw)
    assert response.status == 422
    assert response.json()["details"][0]["field"] == "(body)"


def test_schema_violations_name_each_field_and_limit(make_client, recorder):
    data = samples.payload(title="t" * 501, tags=["x"] * 21)
    data["seo"]["metaTitle"] = "m" * 201
    del data["locale"]
    response = make_client(**options(recorder)).request(
        "POST", headers=AUTH, body=samples.body(data)
    )
    assert response.status == 422
    body = response.json()
    assert body["error"] == "Invalid publish payload"
    found = {d["field"]: d for d in body["details"]}
    assert found["title"]["limit"] == 500
    assert found["title"]["type"] == "string_too_long"
    assert found["tags"]["limit"] == 20
    assert found["seo.metaTitle"]["limit"] == 200
    assert found["locale"]["type"] == "missing"
    assert recorder.published == []


def test_body_over_the_limit_gets_413(make_client, recorder):
    client = make_client(**options(recorder, max_body_size=1_000))
    data = samples.payload(content="x" * 2_000)
    response = client.request("POST", headers=AUTH, body=samples.body(data))
    assert response.status == 413
    assert "1000" in response.json()["error"]
    assert recorder.published == []
    small = samples.payload(content="short")
    assert client.request("POST", headers=AUTH, body=samples.body(small)).status == 200


@pytest.mark.parametrize("method", OTHER_METHODS)
def test_other_methods_get_405_with_allow(make_client, recorder, method):
    response = make_client(**options(recorder)).request(method, headers=AUTH)
    assert response.status == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert response.json() == {"error": "Method not allowed"}


# -- callbacks -----------------------------------------------------------------


def test_publish_callback_error_is_a_generic_500_and_logged(make_client, recorder, caplog):
    def on_publish(payload: PublishPayload) -> None:
        raise RuntimeError("db password hunter2 rejected")

    client = make_client(**{**options(recorder), "on_publish": on_publish})
    with caplog.at_level(logging.ERROR, logger="wonderblogs_target"):
        response = client.request("POST", headers=AUTH, body=samples.body(samples.PAYLOAD))
    assert response.status == 500
    assert response.json() == {"error": "Internal server error"}
    assert b"hunter2" not in response.body
    assert any(r.exc_info and "hunter2" in str(r.exc_info[1]) for r in caplog.records)


def test_context_callback_error_is_a_generic_500(make_client, recorder, mode):
    async def broken_async() -> dict[str, Any]:
        raise KeyError("missing brand row")

    def broken() -> dict[str, Any]:
        raise KeyError("missing brand row")

    getter = broken_async if mode == "async" else broken
    client = make_client(**{**options(recorder), "get_context": getter})
    response = client.request("GET", headers=AUTH)
    assert response.status == 500
    assert response.json() == {"error": "Internal server error"}


def test_invalid_context_is_never_sent(make_client, recorder, caplog):
    recorder.context = {**samples.context(), "favourite_colour": "teal"}
    recorder.context["recent_articles"][0]["summary"] = "s" * 2_001
    client = make_client(**options(recorder))
    with caplog.at_level(logging.ERROR, logger="wonderblogs_target"):
        response = client.request("GET", headers=AUTH)
    assert response.status == 500
    assert b"teal" not in response.body
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "favourite_colour" in logged
    assert "recent_articles[0].summary" in logged


@pytest.mark.parametrize("status", [400, 409, 422])
def test_callback_can_refuse_with_a_chosen_4xx(make_client, recorder, status, mode):
    async def refuse_async(payload: PublishPayload) -> None:
        raise PublishRejected(f"slug {payload.slug} exists", status_code=status)

    def refuse(payload: PublishPayload) -> None:
        raise PublishRejected(f"slug {payload.slug} exists", status_code=status)

    handler = refuse_async if mode == "async" else refuse
    client = make_client(**{**options(recorder), "on_publish": handler})
    response = client.request("POST", headers=AUTH, body=samples.body(samples.PAYLOAD))
    assert response.status == status
    assert response.json() == {"error": "slug right-size-your-pods exists"}


def test_sync_callbacks_never_run_on_an_event_loop(make_client, recorder):
    seen: list[bool] = []

    def on_publish(payload: PublishPayload) -> None:
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)

    client = make_client(**{**options(recorder), "on_publish": on_publish})
    assert client.request("POST", headers=AUTH, body=samples.body(samples.PAYLOAD)).status == 200
    assert seen == [False]


def test_error_bodies_are_json_envelopes(make_client, recorder):
    client = make_client(**options(recorder))
    for response in (
        client.request("GET"),
        client.request("POST", headers=AUTH, body=b"{"),
        client.request("DELETE", headers=AUTH),
    ):
        body = json.loads(response.body)
        assert set(body) <= {"error", "details"}
        assert isinstance(body["error"], str)


# -- store= instead of on_publish ---------------------------------------------------


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in an empty directory, so the README's relative store URL lands there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def titles(response) -> list[str]:
    return [a["title"] for a in response.json()["recent_articles"]]


def test_the_readme_store_example_serves_get_and_post(make_adapter_client, in_tmp):
    brand = samples.brand()
    client = make_adapter_client(api_key=KEY, get_context=brand, store="sqlite:///wonderblogs.db")
    empty = client.request("GET", headers=AUTH)
    assert empty.status == 200
    assert empty.json() == {**brand, "recent_articles": []}

    assert client.request("POST", headers=AUTH, body=samples.body(samples.PAYLOAD)).status == 200
    repush = samples.payload(title="Right-size pods, revised")
    assert client.request("POST", headers=AUTH, body=samples.body(repush)).status == 200
    other = samples.payload(slug="second-post", title="A second post")
    assert client.request("POST", headers=AUTH, body=samples.body(other)).status == 200

    after = client.request("GET", headers=AUTH)
    assert titles(after) == ["A second post", "Right-size pods, revised"]
    assert after.json()["recent_articles"][1]["summary"] == samples.PAYLOAD["description"]

    from wonderblogs_target.stores import open_store

    store = open_store(f"sqlite:///{in_tmp}/wonderblogs.db")
    try:
        assert store.count() == 2
        [first] = [p for p in store.recent() if p.payload.slug == samples.PAYLOAD["slug"]]
        assert first.revision == 2
    finally:
        store.close()


def test_a_store_fills_an_empty_recent_articles_but_keeps_the_sites_own(
    make_adapter_client, in_tmp
):
    from wonderblogs_target import ContextResponse

    store_url = "sqlite:///posts.db"
    fixed = ContextResponse.model_validate({**samples.brand(), "recent_articles": []})
    client = make_adapter_client(api_key=KEY, get_context=fixed, store=store_url)
    assert client.request("POST", headers=AUTH, body=samples.body(samples.PAYLOAD)).status == 200
    assert titles(client.request("GET", headers=AUTH)) == [samples.PAYLOAD["title"]]

    own = make_adapter_client(api_key=KEY, get_context=samples.context, store=store_url)
    assert titles(own.request("GET", headers=AUTH)) == [
        a["title"] for a in samples.CONTEXT["recent_articles"]
    ]


def test_on_publish_beside_a_store_runs_after_the_save(make_adapter_client, in_tmp, mode):
    from wonderblogs_target.stores import open_store

    store = open_store("sqlite:///posts.db")
    seen: list[int] = []

    def after_save(article: PublishPayload) -> None:
        seen.append(store.count())  # the article is already there
        if article.title == "Hook fails":
            raise RuntimeError("the site rebuild failed")

    async def after_save_async(article: PublishPayload) -> None:
        after_save(article)

    hook = after_save_async if mode == "async" else after_save
    client = make_adapter_client(
        api_key=KEY, get_context=samples.brand(), store=store, on_publish=hook
    )
    assert client.request("POST", headers=AUTH, body=samples.body(samples.PAYLOAD)).status == 200
    assert seen == [1]

    failing = samples.payload(slug="another", title="Hook fails")
    answer = client.request("POST", headers=AUTH, body=samples.body(failing))
    assert answer.status == 500
    assert b"rebuild" not in answer.body
    # Saved all the same; Wonderblogs' re-push will update it, not add a third post.
    assert store.count() == 2
    assert client.request("POST", headers=AUTH, body=samples.body(failing)).status == 500
    assert store.count() == 2
    store.close()


def test_a_store_that_cannot_write_answers_500(make_adapter_client, in_tmp):
    import sqlite3

    client = make_adapter_client(
        api_key=KEY, get_context=samples.brand(), store="sqlite:///posts.db"
    )
    assert client.request("POST", headers=AUTH, body=samples.body(samples.PAYLOAD)).status == 200
    with sqlite3.connect(in_tmp / "posts.db") as db:
        db.execute("DROP TABLE wb_revisions")  # the re-push's revision cannot be written
    repush = samples.body(samples.payload(title="Lost"))
    answer = client.request("POST", headers=AUTH, body=repush)
    assert answer.status == 500
    assert answer.json() == {"error": "Internal server error"}
    assert titles(client.request("GET", headers=AUTH)) == [samples.PAYLOAD["title"]]


def test_two_authorization_headers_are_refused(make_client, recorder):
    """A proxy or client that adds a second header must not smuggle a key past
    the check: the first value alone is never trusted."""
    client = make_client(**options(recorder))
    for pairs in (
        [("Authorization", f"Bearer {KEY}"), ("Authorization", "Bearer wrong")],
        [("Authorization", "Bearer wrong"), ("Authorization", f"Bearer {KEY}")],
    ):
        assert client.request("GET", headers=pairs).status == 401
        body = samples.body(samples.PAYLOAD)
        assert client.request("POST", headers=pairs, body=body).status == 401
    assert recorder.published == []


def test_one_structured_log_record_per_request_without_key_or_body(make_client, recorder, caplog):
    client = make_client(**options(recorder))
    body = samples.body(samples.PAYLOAD)
    with caplog.at_level(logging.INFO, logger="wonderblogs_target"):
        client.request("POST", headers=AUTH, body=body)
        client.request("POST", headers={"Authorization": "Bearer wrong-key"}, body=body)
        client.request("GET", headers=AUTH)
    records = [r for r in caplog.records if hasattr(r, "outcome")]
    accepted, refused, got = records
    assert (accepted.levelno, accepted.method, accepted.status) == (logging.INFO, "POST", 200)
    assert accepted.outcome == "accepted"
    assert (accepted.slug, accepted.locale, accepted.action) == (
        "right-size-your-pods",
        "en",
        "publish",
    )
    assert accepted.body_bytes == len(body)
    assert accepted.duration_ms >= 0
    assert (refused.levelno, refused.status, refused.outcome) == (logging.WARNING, 401, "refused")
    assert (got.method, got.status) == ("GET", 200)
    for record in records:
        text = json.dumps(record.__dict__, default=str)
        assert KEY not in text
        assert "wrong-key" not in text
        assert samples.PAYLOAD["content"][:20] not in text
