"""The test matrix, written once: ``python -m nox`` runs every session.

- ``tests``: the whole suite on the default Python, with coverage (branches,
  and the servers the tests start), failing under the floor in pyproject.toml.
- ``suites``: the contract, core, store, callback and guard suites on every
  other supported Python; the newest Python's run is ``newest``.
- ``lowest`` / ``newest``: the same suites on the lowest version of every
  direct dependency (``uv --resolution lowest-direct``, on the oldest Python)
  and on the newest release of everything (on the newest Python).
- ``extra``: each extra alone in a fresh environment, running the commands its
  documentation page shows.
- ``lint``, ``types``, ``docs``: ruff, mypy --strict, ``mkdocs build --strict``.
- ``package``: the sdist and wheel built and checked (``twine check --strict``),
  the wheel tried in a clean environment; the release workflow runs it too.

The supported Pythons are the classifiers in pyproject.toml; each session
installs only what it declares, so a missing declaration fails here before it
fails a user. uv installs everything (``nox.options.default_venv_backend``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv"
# Two sessions at a time, each printed whole when it ends: the test sessions
# wait on servers, builds and browsers a good part of the time, so a second
# session fills what the first leaves idle (the whole matrix in about two
# thirds of the time on a 2-core machine). ``nox -j 1`` runs one at a time.
nox.options.parallel = 2
nox.options.allow_parallel = True
# A Python the matrix names but the machine lacks is a failure, not a skip.
nox.options.error_on_missing_interpreters = True
nox.options.reuse_venv = "yes"

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHONS: list[str] = nox.project.python_versions(PYPROJECT)
DEFAULT_PYTHON = "3.11"
# The newest Python runs the suites in ``newest`` (the newest of everything).
OTHER_PYTHONS = [v for v in PYTHONS[:-1] if v != DEFAULT_PYTHON]

#: The suites every supported environment runs: one promise each (design notes).
SUITES = [
    "tests/contract/test_contract.py",  # every adapter, through its framework's own test client
    "tests/test_core.py",  # the framework-free core
    "tests/test_models.py",  # the contract models
    "tests/stores/test_promises.py",  # every store
    "tests/callbacks/test_callbacks.py",  # every receiver
    "tests/guards/test_replay_guards.py",  # every replay guard
]
#: What the suites need: every extra but Wagtail (its tests run in their own
#: project, on the default Python) and the suite's tools.
SUITE_EXTRAS = "fastapi,starlette,flask,django,client,serve,postgres,markdown,redis,metrics"

#: Each extra alone, with what its documentation page shows (tests/extras/).
EXTRAS = [
    "fastapi",
    "starlette",
    "flask",
    "django",
    "wagtail",
    "client",
    "testing",
    "serve",
    "postgres",
    "redis",
    "metrics",
    "markdown",
]


def _pyenv_interpreters() -> None:
    """Put pyenv's installed versions on PATH, where uv and nox look.

    pyenv's shims answer only for the selected version, so ``python3.10``
    would fail although 3.10 is installed; a runner that installs its own
    Pythons (the forge's setup-python) needs none of this.
    """
    root = (
        shutil.which("pyenv")
        and subprocess.run(
            ["pyenv", "root"], capture_output=True, text=True, check=False
        ).stdout.strip()
    )
    if not root:
        return
    bins = sorted((Path(root) / "versions").glob("3.*/bin"), reverse=True)
    os.environ["PATH"] = os.pathsep.join([*map(str, bins), os.environ.get("PATH", "")])


_pyenv_interpreters()
# Only the interpreters on this machine; uv would otherwise try to download one.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def _group(name: str) -> list[str]:
    return nox.project.dependency_groups(PYPROJECT, name)


#: pytest's options in every session: no cache folder, and the tests spread
#: over the machine's cores (pytest-xdist; each worker starts its own servers).
PYTEST = ("-p", "no:cacheprovider", "-n", "auto")


def _run_suites(session: nox.Session) -> None:
    session.run("python", "-m", "pytest", *PYTEST, *SUITES, *session.posargs)


@nox.session(python=DEFAULT_PYTHON)
def tests(session: nox.Session) -> None:
    """The whole suite, with branch coverage of the package and a floor."""
    session.install("-e", ".[test]", *_group("coverage"))
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *PYTEST, *session.posargs)
    session.run("coverage", "combine", "--quiet")
    session.run("coverage", "report")


@nox.session(python=OTHER_PYTHONS)
def suites(session: nox.Session) -> None:
    """The contract, core, store, callback and guard suites on another Python
    (the newest Python's run is the ``newest`` session)."""
    session.install("-e", f".[{SUITE_EXTRAS}]", *_group("suites"))
    _run_suites(session)


@nox.session(python=PYTHONS[0])
def lowest(session: nox.Session) -> None:
    """The suites on the lowest version of every direct dependency."""
    session.install("--resolution", "lowest-direct", "-e", f".[{SUITE_EXTRAS}]", *_group("suites"))
    _run_suites(session)


@nox.session(python=PYTHONS[-1])
def newest(session: nox.Session) -> None:
    """The suites on the newest release of everything."""
    session.install(
        "--upgrade", "--resolution", "highest", "-e", f".[{SUITE_EXTRAS}]", *_group("suites")
    )
    _run_suites(session)


@nox.session(python=DEFAULT_PYTHON)
@nox.parametrize("extra", EXTRAS)
def extra(session: nox.Session, extra: str) -> None:
    """One extra alone: the commands its documentation page shows work."""
    session.install("-e", f".[{extra}]", *_group("extras"))
    session.run(
        "python",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--noconftest",
        f"tests/extras/test_{extra}.py",
        *session.posargs,
    )


@nox.session(python=DEFAULT_PYTHON)
def lint(session: nox.Session) -> None:
    """ruff's rules and format."""
    session.install(*_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=DEFAULT_PYTHON)
def types(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[all]", *_group("types"))
    session.run("mypy", "--strict", "wonderblogs_target")


@nox.session(python=DEFAULT_PYTHON)
def docs(session: nox.Session) -> None:
    """The documentation site, as the forge's pages would publish it."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "build" / "site"))


@nox.session(python=DEFAULT_PYTHON)
def package(session: nox.Session) -> None:
    """Build the sdist and wheel into dist/, check them, and try the wheel alone.

    ``nox -s package -- --tag v1.2.3`` also checks that the tag names the
    package's version (the release workflow passes its tag).
    """
    tag = None
    if "--tag" in session.posargs:
        tag = session.posargs[session.posargs.index("--tag") + 1]
    version_file = (ROOT / "wonderblogs_target" / "_version.py").read_text()
    version = re.search(r'__version__ = "([^"]+)"', version_file)
    assert version is not None, "no __version__ in wonderblogs_target/_version.py"
    if tag is not None and tag.removeprefix("v") != version[1]:
        session.error(f"the tag {tag} does not name the package version {version[1]}")
    session.install(*_group("package"))
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--installer", "uv", "--outdir", str(dist))
    built = sorted(str(p) for p in dist.iterdir())
    session.run("twine", "check", "--strict", *built)
    # The wheel alone, in an environment that has nothing else.
    clean = Path(session.create_tmp()) / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    session.run("python", "-m", "venv", str(clean))
    bindir = clean / ("Scripts" if sys.platform == "win32" else "bin")
    [wheel] = [p for p in built if p.endswith(".whl")]
    session.run(str(bindir / "python"), "-m", "pip", "install", "--quiet", wheel, external=True)
    session.run(str(bindir / "python"), "-c", "import wonderblogs_target", external=True)
    answered = session.run(
        str(bindir / "wonderblogs-target"), "--version", external=True, silent=True
    )
    if not answered or version[1] not in answered:
        session.error(f"wonderblogs-target --version answered {answered!r}")
    session.run(str(bindir / "wonderblogs-target"), "serve", "--help", external=True)
