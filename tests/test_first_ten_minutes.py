"""What a new user meets before reading any further: each failure says what to
do, and a checkout stays clean."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from harness.servers import ROOT


@pytest.mark.parametrize(
    "missing",
    [
        ("harness.browser", "chromium", lambda module: module.chromium()),
        ("tests.generators", "_tool", lambda module: module._tool("hugo")),
        ("tests.redis_server", "redis_server", lambda module: module.redis_server().__enter__()),
    ],
    ids=["chromium", "a generator", "redis"],
)
def test_a_missing_server_browser_or_generator_names_the_install_script(missing, monkeypatch):
    import importlib

    module_name, _, call = missing
    module = importlib.import_module(module_name)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="scripts/install-system-deps"):
        call(module)


def test_a_missing_postgres_names_the_install_script(monkeypatch):
    import glob

    from tests import postgres

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(glob, "glob", lambda pattern: [])
    with pytest.raises(RuntimeError, match="scripts/install-system-deps"):
        postgres._binary("initdb")


@pytest.mark.parametrize(
    "name", ["wonderblogs.db-wal", "wonderblogs.db-shm", "x.sqlite3-wal", "wonderblogs.db"]
)
def test_sqlite_side_files_are_ignored_by_git(name):
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", name], cwd=ROOT, check=False
    )
    assert result.returncode == 0, f"{name} is not in .gitignore"


def test_the_test_command_says_it_needs_root_next_to_it():
    readme = (ROOT / "README.md").read_text()
    before = readme.split("<!-- test-command -->")[0].rsplit("## Development", 1)[1]
    assert "root or sudo" in before
    assert "scripts/install-system-deps" in before


@pytest.mark.parametrize(
    ("page", "heading"), [("README.md", "## Install"), ("docs/quickstart.md", "## Get it")]
)
def test_the_install_path_that_works_before_the_first_release_comes_first(page, heading):
    """`pip install "wonderblogs-target[serve]"` fails until the package is on
    PyPI: the page says so, and its first command is the checkout."""
    section = (ROOT / page).read_text().split(heading, 1)[1].split("\n## ", 1)[0]
    assert "not on PyPI yet" in section
    first_block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    assert first_block.startswith("git clone ")
    assert "pip install" not in first_block
