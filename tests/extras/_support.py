"""What the extras tests share.

Each ``test_<extra>.py`` runs in a fresh environment holding the package with
that one extra and pytest, nothing else (``nox -s extra``), and without the
suite's conftest, so an import the extra does not declare fails here as it
would for a user. The commands run as a user types them, in a temporary
folder, with the documentation's own snippets.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.servers import listening
from tests import samples

ROOT = Path(__file__).resolve().parents[2]
SNIPPETS = ROOT / "docs" / "snippets"
KEY = "extras-key"
BIN = Path(sys.executable).parent

__all__ = [
    "KEY",
    "ROOT",
    "SNIPPETS",
    "asgi_exchange",
    "ask",
    "copy_snippets",
    "environment",
    "run",
    "running",
    "stored_slugs",
]


def environment(**extra: str) -> dict[str, str]:
    """The environment a user's shell has: this venv first, the key set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WONDERBLOGS_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["WONDERBLOGS_API_KEY"] = KEY
    env["PYTHONPATH"] = "."
    return {**env, **extra}


def run(*args: str | Path, cwd: Path, timeout: float = 180, **env: str) -> str:
    """Run a command to completion; its output, or a failure showing it."""
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(map(str, args))} -> {result.returncode}\n{output}"
    assert "Traceback" not in output, output
    return output


@contextmanager
def running(*args: str | Path, cwd: Path, port: int, **env: str) -> Iterator[str]:
    """A server process on ``port``; yields its base URL and stops it after."""
    with listening([str(a) for a in args], port=port, env=environment(**env), cwd=cwd):
        yield f"http://127.0.0.1:{port}"


def ask(method: str, url: str, body: Any = None, key: str = KEY) -> tuple[int, Any]:
    """One request as Wonderblogs makes it; the status and the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def copy_snippets(target: Path, *names: str) -> None:
    """The documentation's snippet files, as a user would save them."""
    for name in ("site_callbacks.py", *names):
        shutil.copy(SNIPPETS / name, target / name)


#: Drives an ASGI app with the standard library only: a GET and a POST, as the
#: ASGI server would, so an ASGI extra is tested without a server it lacks.
_ASGI_DRIVER = """
import asyncio, importlib, json, sys
app = importlib.import_module(sys.argv[1]).app
key, path, article = sys.argv[2], sys.argv[3], sys.argv[4].encode()

async def call(method, body):
    sent = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]
    async def receive():
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}
    async def send(message):
        sent.append(message)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 5000),
             "headers": [(b"host", b"localhost"), (b"authorization", b"Bearer " + key.encode()),
                         (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}
    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(data)

print(json.dumps([asyncio.run(call("GET", b"")), asyncio.run(call("POST", article))]))
"""


def asgi_exchange(cwd: Path, module: str, path: str = "/api/wonderblogs") -> list[Any]:
    """``[(status, context), (status, answer)]`` for a GET and a POST of the sample article."""
    article = samples.body(samples.PAYLOAD).decode()
    output = run(sys.executable, "-c", _ASGI_DRIVER, module, KEY, path, article, cwd=cwd)
    return json.loads(output.strip().splitlines()[-1])


def stored_slugs(site: Path) -> list[str]:
    """The slugs in the documentation's example site table (``site_callbacks.py``)."""
    import sqlite3

    with sqlite3.connect(site / "site.db") as db:
        return [slug for (slug,) in db.execute("SELECT slug FROM posts")]
