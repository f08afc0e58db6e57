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


def test_the_flask_page_runs_as_written(tmp_path: Path) -> None:
    """The page's two files, saved as it says, and its commands in its order."""
    import shutil
    import subprocess

    from harness.servers import free_port
    from tests.extras._support import SNIPPETS, ask, environment, running
    from tests.helpers import readme_block

    copy_snippets(tmp_path)
    shutil.copy(SNIPPETS / "flask_extension.py", tmp_path / "app.py")
    commands = readme_block("<!-- flask-commands -->", "bash").splitlines()
    assert commands[0].startswith("export WONDERBLOGS_API_KEY=")
    assert commands[1:] == ["flask --app app wonderblogs check --publish", "flask --app app run"]
    output = run("flask", "--app", "app", "wonderblogs", "check", "--publish", cwd=tmp_path)
    assert "ready for Wonderblogs" in output
    port = free_port()
    with running("flask", "--app", "app", "run", "--port", str(port), cwd=tmp_path,
                 port=port) as base:  # fmt: skip
        status, context = ask("GET", f"{base}/api/wonderblogs")
    assert status == 200
    assert context["brand_identity"].startswith("Acme")
    # Without the key: one line that says what to set, no traceback.
    env = {k: v for k, v in environment().items() if k != "WONDERBLOGS_API_KEY"}
    missing = subprocess.run(
        ["flask", "--app", "app", "wonderblogs", "check"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert missing.returncode != 0
    assert "Set WONDERBLOGS_API_KEY" in missing.stderr
    assert "Traceback" not in missing.stderr + missing.stdout
    assert "KeyError" not in missing.stderr


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
