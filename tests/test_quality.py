"""The package type-checks under mypy --strict and passes ruff, as part of the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    path = str(found) if found.exists() else shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; pip install -e '.[test]'")
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_mypy_strict():
    result = run(tool("mypy"), "--strict", "wonderblogs_target")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_check():
    result = run(tool("ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run(tool("ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_package_imports_no_framework():
    code = (
        "import sys, wonderblogs_target, wonderblogs_target.asgi, wonderblogs_target.wsgi\n"
        "heavy = {'fastapi', 'starlette', 'flask', 'werkzeug', 'django', 'httpx', 'anyio'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    result = run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_py_typed_marker_ships():
    assert (ROOT / "wonderblogs_target" / "py.typed").exists()
