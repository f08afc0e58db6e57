"""The public pipeline: the forge's workflows, the matrix they run and the
release checks, tested here because no runner is reachable from the
development machines.

Each workflow is validated against the forge's own schema (the one
``check-jsonschema`` ships, so the check runs offline), and every nox session a
workflow names exists in ``noxfile.py``, the one place the matrix is written.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.servers import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # the serve extra brings tomli there
    import tomli as tomllib

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = BIN / name
    path = str(found) if found.exists() else shutil.which(name)
    assert path is not None, f"{name} is not installed: pip install -e '.[test]'"
    return path


def nox_list() -> list[dict[str, Any]]:
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "--list", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    sessions: list[dict[str, Any]] = json.loads(listed.stdout)
    return sessions


def nox_sessions() -> set[str]:
    """Every name ``nox -s`` takes: each session, and a parametrized one's own name."""
    return {s["session"] for s in nox_list()} | {s["name"] for s in nox_list() if s["call_spec"]}


def test_the_three_workflows_exist():
    assert {w.name for w in WORKFLOWS} == {"tests.yml", "docs.yml", "release.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_each_workflow_passes_the_forge_schema(workflow):
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path):
    """The check above can fail: a job without ``runs-on`` is refused."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    steps:\n      - run: true\n")
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0


def test_every_session_a_workflow_runs_is_in_the_noxfile():
    sessions = nox_sessions()
    named: set[str] = set()
    for workflow in WORKFLOWS:
        text = workflow.read_text()
        named |= set(re.findall(r"nox -s (\w[\w.-]*)", text))
        matrix = re.search(r"session:\n((?:\s+- .+\n)+)", text)
        if matrix:
            named |= {line.strip()[2:] for line in matrix[1].splitlines()}
    named.discard("package")  # checked below, with the tag
    assert named
    assert named <= sessions, named - sessions
    assert "package" in sessions


def test_the_tests_workflow_runs_every_session_the_noxfile_has():
    text = (ROOT / ".github" / "workflows" / "tests.yml").read_text()
    matrix = re.search(r"session:\n((?:\s+- .+\n)+)", text)
    assert matrix is not None
    in_ci = {line.strip()[2:] for line in matrix[1].splitlines()}
    for session in nox_list():
        # A parametrized session runs as one job (``nox -s extra`` runs each extra).
        covered = session["session"] in in_ci or (session["call_spec"] and session["name"] in in_ci)
        assert covered, f"nox -s {session['session']} runs in no job of tests.yml"


def test_the_release_publishes_by_trusted_publishing_after_the_checks():
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert "id-token: write" in text
    assert "pypa/gh-action-pypi-publish" in text
    assert "password" not in text
    assert "secrets." not in text  # no stored token
    assert 'nox -s package -- --tag "${{ github.ref_name }}"' in text


def test_the_supported_pythons_agree():
    """``requires-python``, the classifiers (which the noxfile reads) and the
    interpreters the workflow installs say the same thing."""
    classifiers = PYPROJECT["project"]["classifiers"]
    pythons = [c.rsplit(" ", 1)[1] for c in classifiers if re.fullmatch(r".*:: 3\.\d+", c)]
    assert pythons == ["3.10", "3.11", "3.12", "3.13"]
    assert PYPROJECT["project"]["requires-python"] == f">={pythons[0]}"
    tests_yml = (ROOT / ".github" / "workflows" / "tests.yml").read_text()
    for version in pythons:
        assert f"\n            {version}\n" in tests_yml


def test_the_django_classifiers_include_the_declared_floor():
    floor = next(
        re.search(r">=([\d.]+)", d)[1]  # type: ignore[index]
        for d in PYPROJECT["project"]["optional-dependencies"]["django"]
        if d.startswith("django")
    )
    assert f"Framework :: Django :: {floor}" in PYPROJECT["project"]["classifiers"]


def test_project_urls_name_the_site_the_source_the_changelog_and_the_tracker():
    urls = PYPROJECT["project"]["urls"]
    assert set(urls) == {"Documentation", "Source", "Changelog", "Issues"}
    assert urls["Documentation"] == "https://wonderblogs-target.github.io/wonderblogs-target/"
    assert urls["Changelog"].endswith("/CHANGELOG.md")


def test_the_changelog_follows_keep_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "Keep a Changelog" in text
    assert "Semantic Versioning" in text
    assert "## [Unreleased]" in text
    assert re.search(r"^### (Added|Changed|Fixed|Deprecated|Removed|Security)$", text, re.M)
    version_file = (ROOT / "wonderblogs_target" / "_version.py").read_text()
    version = re.search(r'__version__ = "([^"]+)"', version_file)
    assert version is not None
    assert f"## [{version[1]}]" in text


def test_contributing_security_and_pre_commit_are_at_the_root():
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    needs = ("nox", "install-system-deps", "tests/contract/clients", "tests/stores/conftest.py")
    for needed in needs:
        assert needed in contributing, needed
    assert "Reporting a vulnerability" in (ROOT / "SECURITY.md").read_text()
    hooks = (ROOT / ".pre-commit-config.yaml").read_text()
    assert "ruff-pre-commit" in hooks
    assert "mirrors-mypy" in hooks


def test_the_coverage_floor_is_set():
    coverage = PYPROJECT["tool"]["coverage"]
    assert coverage["run"]["branch"] is True
    assert "subprocess" in coverage["run"]["patch"]
    assert coverage["report"]["fail_under"] >= 80
