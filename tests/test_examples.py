"""Each example app, started for real as a server process on a loopback port."""

from __future__ import annotations

import httpx
import pytest

from tests import samples
from tests.servers import ROOT, free_port, server

KEY = "example-key"
EXAMPLES = {
    "fastapi": ["examples/fastapi_app.py"],
    "starlette": ["examples/starlette_app.py"],
    "flask": ["examples/flask_app.py"],
    "django": ["examples/django_project/manage.py", "runserver", "{address}", "--noreload"],
}


def example_command(name: str, port: int) -> list[str]:
    """The README's command for example ``name``, listening on ``port``."""
    return [
        str(ROOT / arg) if arg.startswith("examples/") else arg.format(address=f"127.0.0.1:{port}")
        for arg in EXAMPLES[name]
    ]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_serves_get_and_post(name, tmp_path):
    port = free_port()
    command = example_command(name, port)
    env = {"WONDERBLOGS_API_KEY": KEY, "WONDERBLOGS_DB": str(tmp_path / "blog.db")}
    url = f"http://127.0.0.1:{port}/api/wonderblogs"
    auth = {"Authorization": f"Bearer {KEY}"}
    with server(command, port=port, env=env, cwd=tmp_path), httpx.Client(timeout=10) as http:
        assert http.get(url).status_code == 401
        before = http.get(url, headers=auth)
        assert before.status_code == 200
        assert before.json()["recent_articles"] == []

        published = http.post(url, headers=auth, json=samples.PAYLOAD)
        assert published.status_code == 200, published.text
        rewrite = {**samples.REWRITE, "title": "Right-size pods, revised"}
        assert http.post(url, headers=auth, json=rewrite).status_code == 200
        assert http.post(url, headers=auth, content=b"{oops").status_code == 400

        after = http.get(url, headers=auth).json()
        assert [a["title"] for a in after["recent_articles"]] == ["Right-size pods, revised"]
        assert after["recent_articles"][0]["summary"] == samples.PAYLOAD["description"]
