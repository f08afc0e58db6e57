"""``[flask]`` alone: the Flask page's extension and blueprint, and ``flask wonderblogs check``."""

from __future__ import annotations

import sys
from pathlib import Path

from tests import samples
from tests.extras._support import copy_snippets, run, stored_slugs

#: Flask's own test client, as a user's test would drive the page's app.
_DRIVE = """
import importlib, json, sys
app = importlib.import_module(sys.argv[1]).app
client = app.test_client()
auth = {"Authorization": "Bearer " + sys.argv[2]}
get = client.get("/api/wonderblogs", headers=auth)
post = client.post("/api/wonderblogs", data=sys.argv[3], headers=auth,
                   content_type="application/json")
print(json.dumps([get.status_code, get.get_json(), post.status_code, post.get_json()]))
"""


def test_flask_wonderblogs_check_passes_on_the_extension_app(tmp_path: Path) -> None:
    copy_snippets(tmp_path, "flask_extension.py")
    output = run("flask", "--app", "flask_extension", "wonderblogs", "check", cwd=tmp_path)
    assert "ready for Wonderblogs" in output


def test_the_blueprint_answers_through_flask_test_client(tmp_path: Path) -> None:
    import json

    from tests.extras._support import KEY

    copy_snippets(tmp_path, "flask_blueprint.py")
    article = samples.body(samples.PAYLOAD).decode()
    output = run(sys.executable, "-c", _DRIVE, "flask_blueprint", KEY, article, cwd=tmp_path)
    get, context, post, answer = json.loads(output.strip().splitlines()[-1])
    assert get == 200
    assert context["brand_identity"].startswith("Acme")
    assert (post, answer) == (200, {"ok": True})
    assert stored_slugs(tmp_path) == [samples.PAYLOAD["slug"]]
