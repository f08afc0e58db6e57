"""Memory under a 100 MB POST: an adapter must answer 413 while the process's
peak memory grows by less than 10 MB. ``python -m bench.memory`` prints the
table; the test suite asserts the same on apps of its own.

Each case runs in a fresh process, which reads its peak resident memory
(``ru_maxrss``) before and after the request. Bodies are generated on the fly,
in 64 KB chunks, so the sender itself holds none of the 100 MB. "declared"
sends a Content-Length of 100 MB (refused before reading); "streamed" sends no
length (chunked transfer), so the adapter must stop reading at its limit.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = 64 * 1024
LIMIT_MB = 10
#: Where and with which key the app under test must accept the POST.
PATH = "/adapter"
KEY = "bench-key-0123456789abcdef"


class GeneratedInput(io.RawIOBase):
    """A WSGI input stream that makes up ``size`` bytes as they are read."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        return b"x" * n

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _asgi(app: Any, declared: bool) -> int:
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {KEY}".encode())]
    if declared:
        headers.append((b"content-length", str(HUNDRED_MB).encode()))
    chunks: Iterator[bytes] = (b"x" * CHUNK for _ in range(HUNDRED_MB // CHUNK))
    status = 0

    async def receive() -> dict[str, Any]:
        chunk = next(chunks, None)
        return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": PATH, "raw_path": PATH.encode(), "root_path": "",
        "query_string": b"", "headers": headers, "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80), "state": {},
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return status


def _wsgi(app: Any, declared: bool) -> int:
    environ = {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": PATH,
        "QUERY_STRING": "", "SERVER_NAME": "bench", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "bench",
        "HTTP_AUTHORIZATION": f"Bearer {KEY}",
        "CONTENT_TYPE": "application/json", "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.input": GeneratedInput(HUNDRED_MB),
        "wsgi.errors": io.StringIO(), "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
    }  # fmt: skip
    if declared:
        environ["CONTENT_LENGTH"] = str(HUNDRED_MB)
    else:
        environ["wsgi.input_terminated"] = True  # chunked input, as gunicorn marks it
    status: list[str] = []

    def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
        status.append(line)
        return lambda data: None

    result = app(environ, start_response)
    b"".join(result)
    getattr(result, "close", lambda: None)()
    return int(status[0].split()[0])


CALLERS = {"asgi": _asgi, "wsgi": _wsgi}


def one(factory: str, kind: str, mode: str) -> dict[str, Any]:
    """Run one case in this process: the app ``module:function`` builds, spoken
    to as ``kind`` ("asgi" or "wsgi"); report its status and peak growth."""
    module, _, name = factory.partition(":")
    app = getattr(importlib.import_module(module), name)()
    call = CALLERS[kind]
    call(app, True)  # warm up every import and lazy structure first
    before = _peak_kb()
    status = call(app, mode == "declared")
    return {"app": factory, "mode": mode, "status": status, "growth_kb": _peak_kb() - before}


def run_case(factory: str, kind: str, mode: str) -> dict[str, Any]:
    """:func:`one` in a fresh process, so that earlier peaks do not hide this one."""
    output = subprocess.run(
        [sys.executable, "-m", "harness.memory", factory, kind, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    print(json.dumps(one(*sys.argv[1:4])))
