"""Values and small helpers shared by test modules (which never import each other)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests import samples
from wonderblogs_target import WonderblogsTarget

KEY = "wb-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


class Recorder:
    """Callbacks for the target that record what they were given."""

    def __init__(self) -> None:
        self.published: list[Any] = []
        self.context: dict[str, Any] = samples.context()

    def get_context(self) -> dict[str, Any]:
        return self.context

    def on_publish(self, payload: Any) -> None:
        self.published.append(payload)

    async def get_context_async(self) -> dict[str, Any]:
        return self.context

    async def on_publish_async(self, payload: Any) -> None:
        self.published.append(payload)


def json_of(body: bytes) -> Any:
    return json.loads(body)


#: A target whose context is valid and minimal: any 5xx from it is the core's fault.
GOOD_CONTEXT = WonderblogsTarget(
    api_key=KEY,
    get_context=lambda: {
        "brand_identity": "",
        "tone_of_voice": "",
        "instructions": "",
        "content_focus": None,
        "recent_articles": [],
    },
    on_publish=lambda p: None,
)


def readme_block(marker: str, language: str = "python") -> str:
    """The code block after ``marker`` in the README or a page of the docs
    site: the examples are run as they are written there."""
    import re

    from harness.servers import ROOT

    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = path.read_text()
        # The block ends at a fence on a line of its own (a ``` in a string does not).
        pattern = re.escape(marker) + rf"\s*```{language}\n(.*?)^```"
        match = re.search(pattern, text, re.S | re.M)
        if match:
            return match.group(1)
    raise AssertionError(f"no {language} block after {marker} in README.md or docs/")


@contextmanager
def django_live_server() -> Iterator[str]:
    """The current Django project over HTTP on loopback, in a thread, with its
    static files (for a headless browser)."""
    import threading

    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.handlers.wsgi import WSGIHandler
    from werkzeug.serving import make_server

    from harness.servers import free_port

    port = free_port()
    httpd = make_server("127.0.0.1", port, StaticFilesHandler(WSGIHandler()), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        httpd.shutdown()


def child_pytest(*args: str, env: dict[str, str], measured: bool = True) -> tuple[int, str]:
    """Run pytest in a child process (another Django settings module, another
    database): the number of tests that passed, and the last part of the output.
    Fails on any failure, error or skip. ``measured=False`` keeps coverage out
    of a child whose code paths the parent's own run measures already (it
    roughly doubles a run's time)."""
    import os
    import subprocess
    import sys

    from harness.servers import ROOT

    environment = {**os.environ, **env}
    if not measured:
        for name in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START"):
            environment.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout[-8_000:] + result.stderr[-2_000:]
    assert result.returncode == 0, output
    summary = result.stdout.splitlines()[-1]
    assert " passed" in summary, output
    assert "failed" not in summary, output
    assert "skipped" not in summary, output
    return int(summary.split()[0]), output


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a command run as a newcomer would run it: nothing of
    this process's but ``PATH``, and what lets coverage follow the child (and
    ``PYTHONPATH``, when a worktree's code is under test)."""
    import os

    kept = {
        name: value
        for name, value in os.environ.items()
        if name.startswith("COVERAGE_") or name == "PYTHONPATH"
    }
    return {"PATH": "/usr/bin:/bin", **kept, **extra}


def refuse_new_posts(database: object, reason: str) -> None:
    """Make the SQLite store at ``database`` fail every new post's insert with
    ``reason``, as a read-only or full database would (the other tables keep
    taking writes); `allow_new_posts` mends it."""
    import sqlite3

    with sqlite3.connect(str(database)) as db:
        db.execute(
            "CREATE TRIGGER refuse_new_posts BEFORE INSERT ON wb_posts "
            f"BEGIN SELECT RAISE(ABORT, '{reason}'); END"
        )


def allow_new_posts(database: object) -> None:
    import sqlite3

    with sqlite3.connect(str(database)) as db:
        db.execute("DROP TRIGGER refuse_new_posts")
