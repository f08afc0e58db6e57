"""Headless Chromium (Debian's package, installed by scripts/install-system-deps)
for the tests that look at pages as a person would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is not installed: run scripts/install-system-deps")
    return found


def browse(url: str, profile: Path, *extra: str) -> str:
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


#: Where the browser tests keep their screenshots: the documentation site shows
#: these files (``mkdocs build`` runs after the tests), none drawn by hand.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
