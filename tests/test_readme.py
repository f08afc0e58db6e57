"""The README's examples, run as written."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests import samples
from tests.helpers import readme_block


def test_the_store_example_works_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WONDERBLOGS_API_KEY", "readme-key")
    namespace: dict[str, object] = {}
    exec(compile(readme_block("<!-- store-example -->"), "README.md", "exec"), namespace)
    auth = {"Authorization": "Bearer readme-key"}
    with TestClient(namespace["app"]) as client:
        assert (
            client.post("/api/wonderblogs", json=samples.PAYLOAD, headers=auth).status_code == 200
        )
        context = client.get("/api/wonderblogs", headers=auth).json()
    assert context["recent_articles"] == [
        {"title": samples.PAYLOAD["title"], "summary": samples.PAYLOAD["description"]}
    ]
    assert (tmp_path / "wonderblogs.db").exists()


def test_the_readme_carries_the_documented_examples_of_the_openapi_documents():
    import json

    from wonderblogs_target.openapi import EXAMPLES

    context = json.loads(readme_block("<!-- example-context -->", "json"))
    article = json.loads(readme_block("<!-- example-article -->", "json"))
    assert context == EXAMPLES["ContextResponse"][1]
    assert article == EXAMPLES["PublishPayload"][1]
