"""FastAPI specifics: OpenAPI and /docs, pass-through router options, dependencies."""

from __future__ import annotations

import warnings

import pytest
from fastapi import Depends, FastAPI, HTTPException, Request

from tests import samples
from tests.conftest import AUTH, KEY
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
