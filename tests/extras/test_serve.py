"""``[serve]`` alone: the quick start's ``serve``, checked by ``check --publish``."""

from __future__ import annotations

from pathlib import Path

from harness.servers import free_port
from tests.extras._support import KEY, ask, run, running


def test_serve_answers_and_check_passes(tmp_path: Path) -> None:
    port = free_port()
    with running("wonderblogs-target", "serve", "--port", str(port), cwd=tmp_path,
                 port=port) as base:  # fmt: skip
        api = f"{base}/api/wonderblogs"
        status, context = ask("GET", api)
        assert status == 200
        assert context["brand_identity"]
        output = run("wonderblogs-target", "check", api, "--key", KEY, "--publish", cwd=tmp_path)
    assert "ready for Wonderblogs" in output
    assert KEY not in output
    assert (tmp_path / "wonderblogs.db").exists()  # the default store, where it was started
