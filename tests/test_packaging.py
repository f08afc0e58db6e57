"""What a user of the published package gets: the wheel and the sdist, built
with the project's own build backend, and the page PyPI shows."""

from __future__ import annotations

import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from harness.servers import ROOT


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import os

    from hatchling.builders.sdist import SdistBuilder
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("dist")
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        wheel = next(WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"]))
        sdist = next(SdistBuilder(str(ROOT)).build(directory=str(out), versions=["standard"]))
    finally:
        os.chdir(here)
    return {"wheel": Path(wheel), "sdist": Path(sdist)}


def test_the_license_is_in_the_wheel_and_the_sdist(built):
    license_text = (ROOT / "LICENSE").read_text()
    assert "MIT License" in license_text
    with zipfile.ZipFile(built["wheel"]) as wheel:
        [member] = [n for n in wheel.namelist() if n.endswith("licenses/LICENSE")]
        assert wheel.read(member).decode() == license_text
        metadata = wheel.read(next(n for n in wheel.namelist() if n.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in metadata
    with tarfile.open(built["sdist"]) as sdist:
        [member] = [m for m in sdist.getmembers() if m.name.endswith("/LICENSE")]
        assert sdist.extractfile(member).read().decode() == license_text


def test_the_wheel_carries_the_migrations_static_files_and_py_typed(built):
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = set(wheel.namelist())
    for needed in (
        "wonderblogs_target/py.typed",
        "wonderblogs_target/contrib/django/migrations/0002_delivery_note.py",
        "wonderblogs_target/contrib/django/static/wonderblogs/admin.css",
        "wonderblogs_target/contrib/wagtail/migrations/0001_initial.py",
    ):
        assert needed in names


def test_the_pypi_page_points_at_nothing_only_a_checkout_has():
    """The README is the long description: a relative link or image there is
    broken on PyPI."""
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)", readme) + re.findall(r'src="([^"]+)"', readme)
    relative = [t for t in targets if not t.startswith(("http://", "https://", "#", "mailto:"))]
    assert relative == []
