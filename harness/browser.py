"""Headless Chromium (Debian's package, installed by scripts/install-system-deps)
for the tests that look at pages as a person would."""

from __future__ import annotations

import os
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


#: The screenshots the documentation shows, kept in the repository so the site
#: builds on a fresh clone; the browser tests take them anew into ``FRESH`` and
#: fail when a page no longer looks like its picture in the docs.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
FRESH = Path(__file__).resolve().parent.parent / "build" / "screenshots"
#: Set to 1 to take the fresh screenshots into the docs (then commit them).
UPDATE = "WONDERBLOGS_UPDATE_SCREENSHOTS"
#: A pixel counts as changed past this difference (0-255) on any channel, and a
#: picture disagrees with its page when more than this share of pixels changed:
#: a date or a counter moves a few pixels, another page moves most of them.
_PIXEL_TOLERANCE = 48
_CHANGED_SHARE = 0.04


def screenshot(url: str, profile: Path, name: str, size: str, min_bytes: int = 10_000) -> Path:
    """Take ``name`` of ``url`` at ``size`` ("1200,1000") and check it against the docs."""
    FRESH.mkdir(parents=True, exist_ok=True)
    shot = FRESH / name
    browse(url, profile, f"--screenshot={shot}", f"--window-size={size}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > min_bytes  # a rendered page, not a blank one
    agrees_with_docs(shot)
    return shot


def changed_share(a: Path, b: Path) -> float:
    """The share of pixels that differ between two pictures (1.0 when their sizes do)."""
    from PIL import Image, ImageChops

    with Image.open(a) as first, Image.open(b) as second:
        if first.size != second.size:
            return 1.0
        difference = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
        changed = difference.convert("L").point(lambda v: 255 if v > _PIXEL_TOLERANCE else 0)
        histogram = changed.histogram()
        return histogram[255] / (first.size[0] * first.size[1])


def agrees_with_docs(shot: Path) -> None:
    """Fail when the docs' picture of this page is missing or shows another page."""
    kept = SCREENSHOTS / shot.name
    if os.environ.get(UPDATE) == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, kept)
        return
    hint = f"run the test with {UPDATE}=1 and commit docs/screenshots/{shot.name}"
    if not kept.exists():
        pytest.fail(f"docs/screenshots/{shot.name} is missing: {hint}")
    share = changed_share(shot, kept)
    assert share <= _CHANGED_SHARE, (
        f"the page no longer looks like docs/screenshots/{shot.name} "
        f"({share:.0%} of its pixels changed; {shot} is the page now): {hint}"
    )
