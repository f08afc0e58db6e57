"""``[starlette]`` alone: the ASGI page's Starlette app answers the GET and the POST."""

from __future__ import annotations

from pathlib import Path

from tests import samples
from tests.extras._support import asgi_exchange, copy_snippets, stored_slugs


def test_the_starlette_page_app_answers(tmp_path: Path) -> None:
    copy_snippets(tmp_path, "starlette_app.py")
    (get, context), (post, answer) = asgi_exchange(tmp_path, "starlette_app")
    assert get == 200
    assert context["brand_identity"].startswith("Acme")
    assert (post, answer) == (200, {"ok": True})
    assert stored_slugs(tmp_path) == [samples.PAYLOAD["slug"]]
