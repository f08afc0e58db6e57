"""A site with no server, end to end: the example workflow
(``examples/static_site``) passes the forge's schema, and its own command
lines, run in a real git checkout with a real local remote against the v1
emulator on a loopback port, write the next topic's post, commit it, push it,
and build a Hugo site whose post page holds the article."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from harness.servers import ROOT
from tests.emulator_server import emulator_server
from tests.generators import new_site
from tests.helpers import cli_env

EXAMPLE = ROOT / "examples" / "static_site"
WORKFLOW = EXAMPLE / ".github" / "workflows" / "wonderblogs.yml"
V1_KEY = "wb_v1_no_server_key"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Site", "-c", "user.email=site@example.org", *args],
        cwd=cwd, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout


def steps() -> dict[str, str]:
    """The workflow's shell steps by name."""
    document = yaml.safe_load(WORKFLOW.read_text())
    [job] = document["jobs"].values()
    return {step["name"]: step["run"] for step in job["steps"] if "run" in step}


def test_the_example_workflow_passes_the_forge_schema():
    checker = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflows_commands_post_commit_push_and_build(tmp_path):
    site = new_site("hugo", tmp_path)
    shutil.copy(EXAMPLE / "topics.txt", site.root / "topics.txt")
    (site.root / ".gitignore").write_text("public/\n.wonderblogs*\n")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    git(site.root, "init", "--quiet", "--initial-branch=main")
    git(site.root, "add", "--all")
    git(site.root, "commit", "--quiet", "-m", "site")
    git(site.root, "remote", "add", "origin", str(remote))
    git(site.root, "push", "--quiet", "--set-upstream", "origin", "main")

    shell = steps()
    assert set(shell) == {
        "Install wonderblogs-target",
        "Write the next topic's post",
        "Keep the topic list and push",
        "Build the site",
    }
    with emulator_server(V1_KEY) as (url, _):
        env = cli_env(
            PATH=f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            HOME=str(tmp_path),
            WONDERBLOGS_V1_API_KEY=V1_KEY,
            WONDERBLOGS_V1_BASE_URL=url,  # the emulator, not Wonderblogs
        )
        for name in (
            "Write the next topic's post",
            "Keep the topic list and push",
            "Build the site",
        ):
            done = subprocess.run(
                ["bash", "-e", "-c", shell[name]],
                cwd=site.root, env=env, capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            assert done.returncode == 0, f"{name}:\n{done.stdout}{done.stderr}"

    slug = "right-sizing-kubernetes-requests-and-limits"
    page = (site.root / "public" / "posts" / slug / "index.html").read_text()
    assert "Right-sizing Kubernetes requests and limits" in page
    assert "A post written by the emulator" in page
    topics = (site.root / "topics.txt").read_text().splitlines()
    assert topics[2].startswith("# done ")
    assert topics[3] == "Cutting cloud egress costs without a CDN rewrite"
    pushed = git(remote, "log", "--format=%s", "main")
    assert "Wonderblogs: topic done" in pushed
    files = git(remote, "ls-tree", "-r", "--name-only", "main")
    assert f"content/posts/{slug}.md" in files
    assert any(name.startswith("static/images/wonderblogs/") for name in files.splitlines())


def test_the_callback_store_example_saves_a_runs_post_once(tmp_path, monkeypatch):
    import json

    from fastapi.testclient import TestClient

    from tests.helpers import readme_block
    from wonderblogs_target import sign_payload
    from wonderblogs_target.stores import open_store

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WONDERBLOGS_API_KEY", "the-target-api-key")
    namespace: dict[str, object] = {}
    exec(readme_block("<!-- callback-store-example -->"), namespace)
    event = {
        "event": "run.completed",
        "run_id": "run-7",
        "status": "completed",
        "post": {"title": "Edge caching", "slug": "edge-caching", "content": "## Edge\n\nText."},
    }
    body = json.dumps(event).encode()
    with TestClient(namespace["app"]) as client:  # type: ignore[arg-type]
        for _ in range(2):  # a redelivery
            answer = client.post(
                "/wonderblogs/callbacks",
                content=body,
                headers=sign_payload(body, "the-target-api-key"),
            )
            assert answer.status_code == 200, answer.text
    store = open_store("sqlite:///wonderblogs.db")
    try:
        [post] = store.recent()
        assert (post.payload.title, post.payload.description, post.revision) == (
            "Edge caching",
            "Text.",
            1,
        )
    finally:
        store.close()
