"""FastAPI specifics: OpenAPI and /docs, pass-through router options, dependencies."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException, Request

from tests import samples
from tests.helpers import AUTH, KEY
from wonderblogs_target import PublishPayload
from wonderblogs_target.fastapi import create_wonderblogs_router

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PREFIX = "/api/wonderblogs"


def build(**router_options) -> FastAPI:
    app = FastAPI()
    published: list = []
    app.state.published = published
    router = create_wonderblogs_router(
        api_key=KEY, get_context=samples.context, on_publish=published.append, **router_options
    )
    app.include_router(router, prefix=PREFIX)
    return app


def test_operations_show_in_the_apps_openapi_with_real_schemas():
    spec = build().openapi()
    operations = spec["paths"][PREFIX]
    assert set(operations) == {"get", "post"}
    get_schema = operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert get_schema["additionalProperties"] is False
    assert get_schema["properties"]["instructions"]["maxLength"] == 10_000
    article = get_schema["properties"]["recent_articles"]["items"]
    assert article["properties"]["title"]["maxLength"] == 500
    body = operations["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) >= {"slug", "locale", "title", "seo", "tags"}
    assert body["properties"]["seo"]["properties"]["metaTitle"]["maxLength"] == 200
    assert set(operations["post"]["responses"]) >= {"200", "400", "401", "413", "422", "500"}
    scheme = spec["components"]["securitySchemes"]["WonderblogsBearer"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    for operation in operations.values():
        assert {"WonderblogsBearer": []} in operation["security"]
    assert PREFIX + "/" not in spec["paths"]


def test_docs_page_is_served():
    client = TestClient(build())
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert client.get("/openapi.json").json()["paths"][PREFIX]


def test_tags_and_include_in_schema_pass_through():
    spec = build(tags=["blog"]).openapi()
    assert spec["paths"][PREFIX]["get"]["tags"] == ["blog"]
    hidden = build(include_in_schema=False).openapi()
    assert PREFIX not in hidden.get("paths", {})
    # Hidden from the docs, still served.
    assert TestClient(build(include_in_schema=False)).get(PREFIX, headers=AUTH).status_code == 200


def test_dependencies_run_before_the_handler():
    calls: list[str] = []

    def only_from_office(request: Request) -> None:
        calls.append(request.method)
        if request.headers.get("x-office") != "yes":
            raise HTTPException(status_code=403, detail="not from the office")

    app = build(dependencies=[Depends(only_from_office)])
    client = TestClient(app)
    assert client.get(PREFIX, headers=AUTH).status_code == 403
    response = client.post(
        PREFIX, headers={**AUTH, "x-office": "yes"}, content=samples.body(samples.PAYLOAD)
    )
    assert response.status_code == 200
    assert calls == ["GET", "POST"]
    assert len(app.state.published) == 1


def test_router_with_its_own_path_and_no_prefix():
    app = FastAPI()
    app.include_router(
        create_wonderblogs_router(
            path="/hooks/wb", api_key=KEY, get_context=samples.context, on_publish=print
        )
    )
    assert TestClient(app).get("/hooks/wb", headers=AUTH).status_code == 200


@pytest.mark.parametrize("path", [PREFIX, PREFIX + "/"])
def test_no_redirects(path):
    client = TestClient(build(), follow_redirects=False)
    response = client.post(path, headers=AUTH, content=samples.body(samples.PAYLOAD))
    assert response.status_code == 200


def test_callback_router_documents_the_signed_post():
    from wonderblogs_target.fastapi import create_wonderblogs_callback_router

    app = FastAPI()
    app.include_router(
        create_wonderblogs_callback_router(api_key=KEY, on_event=print), prefix="/hooks/wb"
    )
    operation = app.openapi()["paths"]["/hooks/wb"]["post"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"X-Wonderblogs-Signature", "X-Wonderblogs-Timestamp"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    events = {branch["properties"]["event"]["const"] for branch in body["oneOf"]}
    assert events == {
        "run.completed",
        "run.failed",
        "run.skipped",
        "image.completed",
        "image.failed",
    }
    assert set(operation["responses"]) >= {"200", "400", "401", "500"}
    assert "security" not in operation


# -- FastAPI dependencies inside the callbacks ----------------------------------------------


class Session:
    """Stands in for a database session that a dependency opens and closes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.closed = False
        self.saved: list[str] = []


OPENED: list[Session] = []


def get_session() -> Iterator[Session]:
    session = Session("real")
    OPENED.append(session)
    yield session
    session.closed = True


def site_name(x_site: str = Header(default="main")) -> str:
    return x_site


def dependent_app(*, publish_async: bool) -> FastAPI:
    def on_publish(article: PublishPayload, db: Session = Depends(get_session)) -> None:
        assert not db.closed  # open while the article is handled
        db.saved.append(article.slug)

    async def on_publish_async(
        article: PublishPayload, db: Annotated[Session, Depends(get_session)]
    ) -> None:
        db.saved.append(article.slug)

    def get_context(site: Annotated[str, Depends(site_name)]) -> dict:
        return {**samples.context(), "brand_identity": f"Site {site}"}

    app = FastAPI()
    app.include_router(
        create_wonderblogs_router(
            api_key=KEY,
            get_context=get_context,
            on_publish=on_publish_async if publish_async else on_publish,
        ),
        prefix=PREFIX,
    )
    return app


@pytest.mark.parametrize("publish_async", [False, True])
@pytest.mark.parametrize("path", [PREFIX, PREFIX + "/"])
def test_on_publish_gets_its_dependencies_resolved_and_closed(publish_async, path):
    OPENED.clear()
    client = TestClient(dependent_app(publish_async=publish_async))
    response = client.post(path, headers=AUTH, content=samples.body(samples.PAYLOAD))
    assert response.status_code == 200
    [session] = OPENED
    assert session.saved == [samples.PAYLOAD["slug"]]
    assert session.closed  # the yield dependency's cleanup ran


def test_dependency_overrides_reach_the_callbacks():
    app = dependent_app(publish_async=False)
    fake = Session("fake")
    app.dependency_overrides[get_session] = lambda: fake
    app.dependency_overrides[site_name] = lambda: "test"
    client = TestClient(app)
    assert (
        client.post(PREFIX, headers=AUTH, content=samples.body(samples.PAYLOAD)).status_code == 200
    )
    assert fake.saved == [samples.PAYLOAD["slug"]]
    assert client.get(PREFIX, headers=AUTH).json()["brand_identity"] == "Site test"


def test_get_context_dependencies_read_the_request_and_show_in_the_docs():
    app = dependent_app(publish_async=False)
    client = TestClient(app)
    answer = client.get(PREFIX, headers={**AUTH, "x-site": "docs"})
    assert answer.json()["brand_identity"] == "Site docs"
    head = client.head(PREFIX, headers=AUTH)
    assert head.status_code == 200
    assert head.content == b""
    assert client.get(PREFIX).status_code == 401  # the core still checks the key
    operation = app.openapi()["paths"][PREFIX]["get"]
    assert {p["name"] for p in operation.get("parameters", [])} == {"x-site"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]


def test_a_failing_dependency_answers_before_the_callback():
    def refuse() -> None:
        raise HTTPException(status_code=403, detail="closed for maintenance")

    published: list = []

    def on_publish(article: PublishPayload, _: None = Depends(refuse)) -> None:
        published.append(article)

    app = FastAPI()
    app.include_router(
        create_wonderblogs_router(api_key=KEY, get_context=samples.context, on_publish=on_publish),
        prefix=PREFIX,
    )
    client = TestClient(app)
    assert (
        client.post(PREFIX, headers=AUTH, content=samples.body(samples.PAYLOAD)).status_code == 403
    )
    assert client.get(PREFIX, headers=AUTH).status_code == 200  # GET does not depend on it
    assert published == []


def test_on_event_gets_its_dependencies_too():
    from wonderblogs_target import sign_payload
    from wonderblogs_target.fastapi import create_wonderblogs_callback_router

    OPENED.clear()
    seen: list[tuple[str, str]] = []

    def on_event(event, db: Session = Depends(get_session)) -> None:
        seen.append((event.run_id, db.name))

    app = FastAPI()
    app.include_router(
        create_wonderblogs_callback_router(api_key=KEY, on_event=on_event), prefix="/hooks/wb"
    )
    body = json.dumps({"event": "run.failed", "run_id": "r9", "status": "failed"}).encode()
    response = TestClient(app).post("/hooks/wb", content=body, headers=sign_payload(body, KEY))
    assert response.status_code == 200
    assert seen == [("r9", "real")]
    assert OPENED[0].closed


def test_callbacks_without_a_readable_signature_are_served_as_they_are():
    class NoSignature:
        __signature__ = "not a signature"  # inspect.signature refuses this

        def __call__(self, article: object) -> None:
            self.article = article

    on_publish = NoSignature()
    app = FastAPI()
    app.include_router(
        create_wonderblogs_router(api_key=KEY, get_context=samples.context, on_publish=on_publish),
        prefix=PREFIX,
    )
    response = TestClient(app).post(PREFIX, headers=AUTH, content=samples.body(samples.PAYLOAD))
    assert response.status_code == 200
    assert on_publish.article.slug == samples.PAYLOAD["slug"]
