"""The documentation's code: every block in the README and on the docs site is
run by the suite or checked against what it names, so no example can rot.

* A Python block either follows a ``<!-- marker -->`` that a test reads (and
  runs: ``tests.helpers.readme_block``), or is a snippet (``--8<--``) of a
  file in ``docs/snippets/``, each of which is run here.
* A shell block's ``wonderblogs-target`` commands are parsed by the CLI's own
  parser, and every ``pip install`` names extras the package has.
* TOML is the ``serve`` configuration and is loaded by it; JSON is parsed.

The site itself is built by ``mkdocs build --strict`` (``nox -s docs``); the
screenshots it shows are in the repository, checked by the browser tests.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.servers import ROOT
from wonderblogs_target.cli import build_parser

if sys.version_info >= (3, 11):
    import tomllib
else:  # the serve extra brings tomli there
    import tomli as tomllib

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SNIPPETS = ROOT / "docs" / "snippets"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
_MARKER = re.compile(r"<!-- ([\w-]+) -->\s*$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    code: str
    marker: str | None

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line} ({self.language or 'plain'})"


def blocks() -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in _FENCE.finditer(text):
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            marker = _MARKER.search(before)
            line = text.count("\n", 0, match.start()) + 1
            found.append(
                Block(page, line, match.group(1), match.group(2), marker and marker.group(1))
            )
    return found


def _test_sources() -> str:
    return "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py"))


def test_every_python_block_is_run_by_a_test():
    sources = _test_sources()
    untested = [
        str(block)
        for block in blocks()
        if block.language == "python"
        and not block.code.lstrip().startswith("--8<--")
        and not (block.marker and f"<!-- {block.marker} -->" in sources)
    ]
    assert untested == []


def test_every_snippet_included_exists():
    for block in blocks():
        for line in block.code.splitlines():
            if line.startswith("--8<--"):
                name = line.split('"')[1].split(":", 1)[0]
                assert (SNIPPETS / name).is_file() or (ROOT / name).is_file(), f"{block}: {name}"


def _commands(code: str) -> list[list[str]]:
    """Each command of a shell block, split into words, without leading
    ``NAME=value`` assignments; lines joined where they end in a backslash."""
    commands = []
    for line in code.replace("\\\n", " ").splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        for part in re.split(r"\s*(?:&&|\|\|)\s*", line):
            words = shlex.split(part)
            while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):
                words = words[1:]
            if words:
                commands.append(words)
    return commands


def _extras() -> set[str]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return set(tomllib.load(handle)["project"]["optional-dependencies"])


def test_every_wonderblogs_target_command_parses_and_every_extra_exists():
    parser = build_parser()
    extras = _extras()
    checked = 0
    for block in blocks():
        if block.language not in ("bash", "console", "sh"):
            continue
        for words in _commands(block.code):
            if words[0] == "wonderblogs-target":
                try:
                    parser.parse_args(words[1:])
                except SystemExit as exc:  # argparse's way of refusing
                    pytest.fail(f"{block}: {' '.join(words)} does not parse ({exc})")
                checked += 1
            for word in words:
                if match := re.fullmatch(r"\.?\[?([\w,.-]*)\[([\w,-]+)\]", word):
                    named = set(match.group(2).split(","))
                    assert named <= extras, f"{block}: no extra {named - extras}"
    assert checked >= 5


def test_toml_is_a_serve_configuration_and_json_parses(tmp_path):
    from wonderblogs_target.serve import load_config

    seen = 0
    for n, block in enumerate(blocks()):
        if block.language == "toml":
            path = tmp_path / f"{n}.toml"
            path.write_text(block.code)
            load_config(str(path))
            seen += 1
        elif block.language == "json":
            json.loads(block.code)
            seen += 1
    assert seen >= 3


@pytest.mark.parametrize(
    ("marker", "store_file"),
    [
        ("<!-- front-page-example -->", "wonderblogs.db"),
        ("<!-- store-example -->", "wonderblogs.db"),
    ],
    ids=["front page", "stores page"],
)
def test_the_fastapi_store_examples_serve_the_contract(marker, store_file, tmp_path, monkeypatch):
    """The README's 10-line app and the stores page's example, as written."""
    from fastapi.testclient import TestClient

    from tests import samples
    from tests.helpers import readme_block

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WONDERBLOGS_API_KEY", "docs-example-key")
    namespace: dict[str, object] = {}
    exec(compile(readme_block(marker), marker, "exec"), namespace)
    auth = {"Authorization": "Bearer docs-example-key"}
    with TestClient(namespace["app"]) as client:
        assert (
            client.post("/api/wonderblogs", headers=auth, json=samples.PAYLOAD).status_code == 200
        )
        recent = client.get("/api/wonderblogs", headers=auth).json()["recent_articles"]
    assert recent == [
        {"title": samples.PAYLOAD["title"], "summary": samples.PAYLOAD["description"]}
    ]
    assert (tmp_path / store_file).is_file()


def test_the_contract_page_carries_the_examples_of_the_openapi_documents():
    from tests.helpers import readme_block
    from wonderblogs_target.openapi import EXAMPLES

    context = json.loads(readme_block("<!-- example-context -->", "json"))
    article = json.loads(readme_block("<!-- example-article -->", "json"))
    assert context == EXAMPLES["ContextResponse"][1]
    assert article == EXAMPLES["PublishPayload"][1]


# -- the snippet files, each run -------------------------------------------------------------

KEY = "docs-key"
SNIPPET_FILES = sorted(p.name for p in SNIPPETS.glob("*.py"))


def test_every_snippet_file_is_shown_on_a_page():
    shown = "\n".join(block.code for block in blocks())
    unshown = [name for name in SNIPPET_FILES if f'"{name}' not in shown]
    assert unshown == []


def _run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    import runpy
    import sys

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WONDERBLOGS_API_KEY", KEY)
    monkeypatch.syspath_prepend(str(SNIPPETS))
    sys.modules.pop("site_callbacks", None)  # its database is per run, in tmp_path
    return runpy.run_path(str(SNIPPETS / name), run_name="snippet")


@pytest.mark.parametrize(
    "name",
    [
        "fastapi_app.py",
        "fastapi_depends.py",
        "starlette_app.py",
        "flask_blueprint.py",
        "flask_extension.py",
        "wsgi_app.py",
        "litestar_app.py",
        "quart_app.py",
        "falcon_app.py",
        "sanic_app.py",
        "mangum_handler.py",
    ],
)
def test_each_app_snippet_passes_the_checks_in_process(name, tmp_path, monkeypatch):
    from wonderblogs_target.testing import assert_conformant

    namespace = _run(name, tmp_path, monkeypatch)
    assert_conformant(namespace["app"], api_key=KEY)


def test_the_django_view_snippet_passes_the_checks_in_its_own_process(tmp_path):
    """It configures Django itself, which this process has done already."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(SNIPPETS)!r})\n"
        "from django_view import app\n"
        "from wonderblogs_target.testing import assert_conformant\n"
        f"assert_conformant(app, api_key={KEY!r})\n"
        "print('conformant')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**env, "WONDERBLOGS_API_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "conformant"


def test_the_callback_receiver_snippet_stores_an_event_once(tmp_path, monkeypatch):
    import sqlite3

    from fastapi.testclient import TestClient

    from wonderblogs_target.testing import signed_callback

    namespace = _run("callbacks_receiver.py", tmp_path, monkeypatch)
    headers, body = signed_callback("run.completed", secret=KEY)
    with TestClient(namespace["app"]) as client:
        for _ in range(2):  # a redelivery changes nothing
            answer = client.post("/webhooks/wonderblogs", headers=headers, content=body)
            assert answer.status_code == 200
    with sqlite3.connect(tmp_path / "drafts.db") as db:
        assert db.execute("SELECT COUNT(*) FROM drafts").fetchone() == (1,)


def test_the_signing_and_core_snippets_run(tmp_path, monkeypatch):
    signing = _run("signing.py", tmp_path, monkeypatch)
    assert set(signing["headers"]) == {"X-Wonderblogs-Signature", "X-Wonderblogs-Timestamp"}
    core = _run("without_framework.py", tmp_path, monkeypatch)
    assert core["response"].status == 200


def test_the_client_snippets_run_against_the_emulator(tmp_path, monkeypatch):
    from wonderblogs_target.testing import PNG_PIXEL, WonderblogsEmulator

    _run("client_emulator.py", tmp_path, monkeypatch)
    live = _run("client_live.py", tmp_path, monkeypatch)
    emulator = WonderblogsEmulator(api_keys=["wb_test_key"])
    with emulator.client() as client:
        assert live["new_post"](client, "Cutting cloud spend") == PNG_PIXEL


def test_the_lambda_handler_answers_an_api_gateway_event(tmp_path, monkeypatch):
    import base64

    namespace = _run("mangum_handler.py", tmp_path, monkeypatch)
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/wonderblogs",
        "rawQueryString": "",
        "headers": {"authorization": f"Bearer {KEY}", "host": "example.execute-api.test"},
        "requestContext": {
            "http": {"method": "GET", "path": "/api/wonderblogs", "sourceIp": "192.0.2.1"},
            "requestId": "r1",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    answer = namespace["handler"](event, {})
    assert answer["statusCode"] == 200
    body = answer["body"]
    if answer.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    assert json.loads(body)["brand_identity"].startswith("Acme")
    refused = namespace["handler"]({**event, "headers": {"host": "example.execute-api.test"}}, {})
    assert refused["statusCode"] == 401


def test_the_systemd_unit_and_the_proxy_agree_with_serve():
    import configparser

    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(SNIPPETS / "wonderblogs.service")
    # systemd joins a line ending in a backslash with the next.
    words = shlex.split(unit["Service"]["ExecStart"].replace("\\\n", " "))
    assert words[0].endswith("/bin/wonderblogs-target")
    args = build_parser().parse_args(words[1:])
    assert args.allowed_host == ["blog.example.com"]
    from wonderblogs_target.stores.markdown import MarkdownStore

    assert args.store.startswith("markdown:///")
    options = dict(part.split("=") for part in args.store.split("?", 1)[1].split("&"))
    assert set(options) <= MarkdownStore._OPTIONS
    caddy = (SNIPPETS / "Caddyfile").read_text()
    assert caddy.startswith("blog.example.com {")
    assert "reverse_proxy /api/wonderblogs* 127.0.0.1:8000" in caddy
    assert (args.host, args.port) == (None, None)  # serve's defaults: 127.0.0.1:8000


def test_the_development_page_shows_the_readmes_test_command():
    readme = [b for b in blocks() if b.marker == "test-command"]
    assert len(readme) == 1
    development = [b for b in blocks() if b.page.name == "development.md" and b.language == "bash"]
    assert [b.code for b in development] == [readme[0].code]


# -- the pictures: in the repository, and like the pages they show -------------------------


def test_every_picture_the_docs_show_is_in_the_repository():
    """So that ``mkdocs build --strict`` works on a fresh clone, before any test ran."""
    import subprocess

    shown = set()
    for page in PAGES:
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", page.read_text()):
            shown.add((page.parent / target).resolve())
    assert shown
    tracked = subprocess.run(
        ["git", "ls-files", "--", "docs"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for picture in shown:
        assert str(picture.relative_to(ROOT)) in tracked, f"{picture} is not committed"


def test_a_picture_of_another_page_disagrees(tmp_path):
    """The check each browser test runs on its fresh screenshot can fail."""
    from PIL import Image, ImageDraw

    from harness.browser import SCREENSHOTS, changed_share

    kept = SCREENSHOTS / "serve-inbox-post.png"
    with Image.open(kept) as picture:
        same = picture.copy()
        other = picture.copy()
    ImageDraw.Draw(same).text((10, 10), "12:01", fill="black")  # a clock moved
    ImageDraw.Draw(other).rectangle((0, 200, other.size[0], 600), fill="red")  # another page
    same.save(tmp_path / "same.png")
    other.save(tmp_path / "other.png")
    assert changed_share(tmp_path / "same.png", kept) < 0.04
    assert changed_share(tmp_path / "other.png", kept) > 0.04


def _first_code_block(text: str) -> tuple[str, str]:
    match = re.search(r"^```(\w*)\n(.*?)^```", text, re.S | re.M)
    assert match is not None
    return match.group(1), match.group(2).strip()


def test_every_page_with_code_starts_with_its_one_install_line():
    """A reader who lands on any page learns first which extra it needs."""
    extras = _extras()
    pages = sorted((ROOT / "docs").rglob("*.md"))
    with_code = [
        page for page in pages
        if re.search(r"^```(python|bash)$", page.read_text(), re.M)
        and page.name not in ("development.md", "benchmarks.md", "quickstart.md")
    ]  # fmt: skip
    assert len(with_code) >= 15
    for page in with_code:
        language, first = _first_code_block(page.read_text())
        where = page.relative_to(ROOT)
        assert language == "bash", where
        line = first.splitlines()[0]
        found = re.fullmatch(r'pip install "wonderblogs-target(?:\[([a-z,]+)\])?"( \w+)?', line)
        assert found, f"{where} starts with {line!r}"
        for extra in (found.group(1) or "").split(","):
            assert not extra or extra in extras, f"{where}: no extra {extra!r}"


def test_the_readme_example_says_how_to_install_and_run_it():
    from tests.helpers import readme_block

    assert readme_block("<!-- front-page-install -->", "bash").strip() == (
        'python -m pip install -e ".[fastapi]" uvicorn'
    )


def test_the_figures_the_pages_state_are_the_packages_own():
    """A limit is stated once, in the code; a page that names it says the same
    figure, and this fails when either changes alone."""
    from wonderblogs_target import _images
    from wonderblogs_target.callbacks import replay
    from wonderblogs_target.contrib.django.conf import DEFAULTS
    from wonderblogs_target.core import DEFAULT_MAX_BODY_SIZE
    from wonderblogs_target.serve.server import HEADER_LIMIT
    from wonderblogs_target.stores import (
        DEFAULT_DELIVERY_LOG_DAYS,
        DEFAULT_REVISIONS,
        RECENT_LIMIT,
        _git,
    )

    stated = {
        "security.md": [
            f"one deadline\n  ({_images.DEFAULT_TIMEOUT:g} s)",
            f"at most {_images.DOWNLOADS_AT_ONCE} downloads",
            f"waits {_images.TURN_WAIT:g} s for a turn",
            f"at most {HEADER_LIMIT // 1024} KiB",
        ],
        "callbacks.md": [f"(default {replay.DEFAULT_CLAIM_TTL:g})"],
        "static-sites.md": [f"for at most {_git.PUSH_TIMEOUT:g} seconds each"],
        "stores.md": [
            f"{DEFAULT_REVISIONS} by default",
            f"newest {RECENT_LIMIT} posts",
            f"limit, {DEFAULT_MAX_BODY_SIZE // 2**20} MiB by default",
            f"older than {DEFAULT_DELIVERY_LOG_DAYS} days",
        ],
        "integrations/django-app.md": [
            f"`DELIVERY_LOG_DAYS` ({DEFAULTS['DELIVERY_LOG_DAYS']})",
            f"`REVISIONS` ({DEFAULTS['REVISIONS']})",
        ],
    }
    for page, figures in stated.items():
        text = (ROOT / "docs" / page).read_text()
        for figure in figures:
            assert figure in text, f"docs/{page} does not say {figure!r}"
