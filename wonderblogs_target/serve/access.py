"""The line ``serve`` prints per request, written in batches.

uvicorn's access log goes through `logging` and flushes its stream once per
request: a system call and a formatted record for every answer, about a tenth
of a small request's time (measured with ``python -m bench.serve``).
`AccessLog`, an observer of the `Observed` middleware, writes the same facts
(client, method, path, status, duration) into a buffer and flushes it once
the event loop has nothing else ready: on an idle server a line appears at
once, under load one write carries many lines. The query string is left out,
so nothing a client put in a URL reaches the log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

__all__ = ["AccessLog", "Observed", "Observer", "StatusNoted"]

#: What `Observed` calls after each request: its scope, its status, and the
#: seconds it took.
Observer = Callable[[Any, int, float], None]


class StatusNoted:
    """An ASGI ``send`` that notes the status the app answered with: what a
    middleware counting or logging requests reads once the app is done (500
    while nothing was answered, as when the app raised first)."""

    def __init__(self, send: Any) -> None:
        self._send = send
        self.status = 500

    async def __call__(self, message: Any) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


class Observed:
    """ASGI middleware timing each HTTP request once and handing its scope,
    status and duration in seconds to each observer (the access log, the
    metrics): one wrapper of the app and of ``send``, however many observe,
    since every layer costs a small request a few percent."""

    def __init__(self, app: Any, observers: Sequence[Observer]) -> None:
        self.app = app
        self.observers = tuple(observers)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, answered = time.perf_counter(), StatusNoted(send)
        try:
            await self.app(scope, receive, answered)
        finally:
            took = time.perf_counter() - started
            for observe in self.observers:
                observe(scope, answered.status, took)


class AccessLog:
    """The observer writing one line per HTTP request to ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lines: list[str] = []
        self._flush_planned = False

    def __call__(self, scope: Any, status: int, took: float) -> None:
        client = scope.get("client")
        where = f"{client[0]}:{client[1]}" if client else "-"
        self._lines.append(
            f'{where} "{scope["method"]} {scope["path"]} HTTP/{scope["http_version"]}" '
            f"{status} {took * 1000:.1f} ms\n"
        )
        if not self._flush_planned:
            self._flush_planned = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_planned = False
        lines, self._lines = self._lines, []
        try:
            self.stream.write("".join(lines))
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stream: keep serving
            pass
