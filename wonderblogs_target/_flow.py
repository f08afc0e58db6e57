"""Write a request flow once, run it sync or async.

An endpoint describes its work as a generator that *yields* the two steps that
differ between sync and async code (reading the body, calling a user
callback) and *returns* the response. `run_flow` with
`perform_sync`, or `run_flow_async` with `perform_async`,
carry those steps out, so every rule sits in one flow and the two entry points
cannot drift apart. Exceptions from a step are thrown back into the flow, where
the rule for them lives.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Awaitable, Callable, Generator
from dataclasses import dataclass
from operator import methodcaller
from typing import Any, TypeAlias, TypeVar

from ._concurrency import (
    CallbackTimeout,
    run_async_from_sync,
    run_sync_in_thread,
    run_sync_with_timeout,
    wait_with_timeout,
)
from .http import Body, Response

__all__ = [
    "BodyTimeout",
    "Call",
    "Flow",
    "ReadBody",
    "perform_async",
    "perform_sync",
    "run_flow",
    "run_flow_async",
]

# A tuple, not ``bytes | bytearray | memoryview``: that union would be built
# again on every request.
_IN_MEMORY = (bytes, bytearray, memoryview)

S = TypeVar("S")
R = TypeVar("R")


class BodyTimeout(Exception):
    """The body did not arrive within its deadline (a client sending slowly)."""


class _Collected:
    """A body's chunks gathered up to ``limit`` bytes, costing about the body.

    A body in one chunk (most articles) is kept as it came. Several are
    appended to one ``bytearray``, which grows in place: a list of chunks
    joined at the end held each body twice at that moment, and with many
    large bodies in flight those moments add up.
    """

    __slots__ = ("_first", "_grown", "limit", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._first: bytes | None = None
        self._grown: bytearray | None = None

    def add(self, chunk: bytes) -> bool:
        """Take ``chunk``; False once the body is past the limit."""
        self.size += len(chunk)
        if self.size > self.limit:
            return False
        if self._grown is not None:
            self._grown += chunk
        elif self._first is None:
            self._first = chunk
        else:
            self._grown = bytearray(self._first)
            self._grown += chunk
            self._first = None
        return True

    def body(self) -> bytes | bytearray:
        if self._grown is not None:
            return self._grown
        return b"" if self._first is None else bytes(self._first)


@dataclass(slots=True)
class ReadBody:
    """Read ``body`` up to ``limit`` bytes within ``timeout`` seconds; the flow
    receives the bytes (a ``bytearray`` when they came in several chunks), or
    None when the body is larger (it stops reading there).

    From an async stream the deadline covers the whole read; from a sync stream
    it is checked between chunks, since a blocking read cannot be interrupted
    (which is why WSGI servers want a buffering proxy in front).
    """

    body: Body
    limit: int
    timeout: float | None = None

    def perform(self) -> bytes | bytearray | None:
        body = self.body
        if isinstance(body, _IN_MEMORY):
            return bytes(body) if len(body) <= self.limit else None
        if hasattr(body, "__aiter__"):  # not the ABC check: this runs on every request
            raise TypeError("an async body stream needs handle_async()")
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        collected = _Collected(self.limit)
        for chunk in body:
            if not collected.add(chunk):
                return None
            if deadline is not None and time.monotonic() > deadline:
                raise BodyTimeout
        return collected.body()

    async def perform_async(self) -> bytes | bytearray | None:
        if not isinstance(self.body, AsyncIterable):
            return self.perform()
        if self.timeout is None:
            return await self._read_async(self.body)
        try:
            return await wait_with_timeout(self._read_async(self.body), self.timeout)
        except CallbackTimeout:
            raise BodyTimeout from None

    async def _read_async(self, body: AsyncIterable[bytes]) -> bytes | bytearray | None:
        collected = _Collected(self.limit)
        async for chunk in body:
            if not collected.add(chunk):
                return None
        return collected.body()


@dataclass(slots=True)
class Call:
    """Call a user callback; the flow receives its result, or its exception."""

    func: Callable[..., Any]
    args: tuple[Any, ...]
    is_async: bool
    timeout: float | None = None

    def perform(self) -> Any:
        if self.timeout is not None and not self.is_async:
            result = run_sync_with_timeout(self.func, self.args, self.timeout)
        else:
            result = self.func(*self.args)
        # The awaitable protocol itself, cheaper than inspect.isawaitable's ABC
        # check; the value is almost always a plain dict or model.
        if self.is_async or hasattr(result, "__await__"):
            return run_async_from_sync(result, self.timeout)
        return result

    async def perform_async(self) -> Any:
        if self.timeout is None:
            return await self._call_async()
        return await wait_with_timeout(self._call_async(), self.timeout)

    async def _call_async(self) -> Any:
        if self.is_async:
            result = self.func(*self.args)
        else:
            abandon = self.timeout is not None
            result = await run_sync_in_thread(self.func, *self.args, abandon=abandon)
        if hasattr(result, "__await__"):
            result = await result
        return result


Step: TypeAlias = ReadBody | Call
Flow: TypeAlias = Generator[Step, Any, Response]


def run_flow(flow: Generator[S, Any, R], perform: Callable[[S], Any]) -> R:
    """Run a generator of steps to its return value, performing each step with
    ``perform`` and sending back its result (or throwing in its exception)."""
    try:
        step = next(flow)
        while True:
            try:
                value = perform(step)
            except Exception as exc:
                step = flow.throw(exc)
            else:
                step = flow.send(value)
    except StopIteration as stop:
        result: R = stop.value
        return result
    except BaseException:
        flow.close()  # run the flow's cleanup now, not whenever it is collected
        raise


async def run_flow_async(flow: Generator[S, Any, R], perform: Callable[[S], Awaitable[Any]]) -> R:
    """`run_flow` for async ``perform``."""
    try:
        step = next(flow)
        while True:
            try:
                value = await perform(step)
            except Exception as exc:
                step = flow.throw(exc)
            else:
                step = flow.send(value)
    except StopIteration as stop:
        result: R = stop.value
        return result
    except BaseException:
        flow.close()  # run the flow's cleanup now, not whenever it is collected
        raise


#: Carry out a step in sync code: ``run_flow(flow, perform_sync)``. A
#: methodcaller calls the step's own method from C, with no Python frame between.
perform_sync: Callable[[Step], Any] = methodcaller("perform")
#: Carry out a step on the running event loop: ``run_flow_async(flow, perform_async)``.
perform_async: Callable[[Step], Awaitable[Any]] = methodcaller("perform_async")
