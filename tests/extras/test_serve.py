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


def test_a_store_whose_driver_is_not_installed_is_one_line(tmp_path: Path) -> None:
    """With only [serve], a PostgreSQL URL printed a 25-line traceback before the
    install line."""
    import subprocess

    from tests.extras._support import environment

    result = subprocess.run(
        ["wonderblogs-target", "serve", "--store", "postgresql://app@127.0.0.1:1/site"],
        cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert 'pip install "wonderblogs-target[postgres]"' in line
