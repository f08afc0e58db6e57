"""The README's examples, run as written."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from harness.servers import ROOT
from tests import samples


def block_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(re.escape(marker) + r"\s*```python\n(.*?)```", text, re.S)
    assert match, f"no python block after {marker} in README.md"
    return match.group(1)


def test_the_store_example_works_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WONDERBLOGS_API_KEY", "readme-key")
    namespace: dict[str, object] = {}
    exec(compile(block_after("<!-- store-example -->"), "README.md", "exec"), namespace)
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
