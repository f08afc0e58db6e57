"""The static-site generators the Markdown store's output is built with, for
real: a tiny site per generator in ``tests/sites/``, copied to a temporary
folder, and the generator's own build command. A generator that is not
installed fails its test with the command that installs it; nothing is
skipped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from wonderblogs_target.stores._formats import FORMATS

SITES = Path(__file__).parent / "sites"
INSTALL = "run scripts/install-system-deps (as root) to install it"
ASTRO_DIR = Path(
    os.environ.get("WONDERBLOGS_ASTRO_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "wonderblogs-target"
    / "astro"
)


@dataclass(frozen=True)
class Site:
    generator: str
    root: Path

    @property
    def posts(self) -> Path:
        """The folder the generator reads posts from, as the README tells users."""
        return self.root / FORMATS[self.generator].posts_folder

    @property
    def output(self) -> Path:
        return self.root / "out"

    def build(self) -> str:
        """Build the site; the generator's output (a failure shows it whole)."""
        command, env = self._command()
        done = subprocess.run(
            command,
            cwd=self.root,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"{self.generator} build failed:\n{output}"
        return output

    def _command(self) -> tuple[list[str], dict[str, str]]:
        out = str(self.output)
        if self.generator == "hugo":
            return [_tool("hugo"), "--quiet", "--destination", out], {}
        if self.generator == "jekyll":
            return [_tool("jekyll"), "build", "--quiet", "--destination", out], {}
        if self.generator == "pelican":
            return [
                sys.executable,
                "-m",
                "pelican",
                "content",
                "-q",
                "-s",
                "pelicanconf.py",
                "-o",
                out,
            ], {}
        if self.generator == "mkdocs":
            return [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", out], {
                "NO_MKDOCS_2_WARNING": "1"
            }
        astro = ASTRO_DIR / "node_modules" / "astro" / "astro.js"
        if not astro.is_file():
            pytest.fail(f"Astro is not installed in {ASTRO_DIR}: {INSTALL}")
        (self.root / "node_modules").symlink_to(ASTRO_DIR / "node_modules")
        return [_tool("node"), str(astro), "build", "--silent", "--outDir", out], {
            "ASTRO_TELEMETRY_DISABLED": "1"
        }

    def pages(self) -> dict[str, str]:
        """Every HTML page built, by its path under the output folder."""
        return {
            str(path.relative_to(self.output)): path.read_text(encoding="utf-8")
            for path in self.output.rglob("*.html")
        }


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: {INSTALL}")
    return found


def new_site(generator: str, folder: Path) -> Site:
    root = folder / f"{generator}-site"
    shutil.copytree(SITES / generator, root)
    return Site(generator, root)
