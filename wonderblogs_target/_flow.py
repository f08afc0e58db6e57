"""Write a request flow once, run it sync or async.

An endpoint describes its work as a generator that *yields* the two steps that
differ between sync and async code (reading the body, calling a user
callback) and *returns* the response. :func:`drive_sync` and
:func:`drive_async` carry those steps out, so every rule sits in one flow and
the two entry points cannot drift apart. Exceptions from a step are thrown
back into the flow, where the rule for them lives.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from ._concurrency import (
    run_async_from_sync,
    run_sync_in_thread,
    run_sync_with_timeout,
    wait_with_timeout,
)
from .http import Body, Response

__all__ = ["Call", "Flow", "ReadBody", "drive_async", "drive_sync", "run_flow", "run_flow_async"]

S = TypeVar("S")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class ReadBody:
    """Read ``body`` up to ``limit`` bytes; the flow receives the bytes, or None when
    the body is larger (it stops reading there)."""

    body: Body
    limit: int


@dataclass(frozen=True, slots=True)
class Call:
    """Call a user callback; the flow receives its result, or its exception."""

    func: Callable[..., Any]
    args: tuple[Any, ...]
    is_async: bool
    timeout: float | None = None


Step: TypeAlias = ReadBody | Call
Flow: TypeAlias = Generator[Step, Any, Response]


def _read_sync(step: ReadBody) -> bytes | None:
    body = step.body
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body) if len(body) <= step.limit else None
    if isinstance(body, AsyncIterable):
        raise TypeError("an async body stream needs handle_async()")
    chunks: list[bytes] = []
    size = 0
    for chunk in body:
        size += len(chunk)
        if size > step.limit:
            return None
        chunks.append(chunk)
    # A body that arrived in one chunk is returned as is, without a copy.
    return b"".join(chunks)


async def _read_async(step: ReadBody) -> bytes | None:
    if not isinstance(step.body, AsyncIterable):
        return _read_sync(step)
    chunks: list[bytes] = []
    size = 0
    async for chunk in step.body:
        size += len(chunk)
        if size > step.limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _awaitable(value: object) -> bool:
    # The awaitable protocol itself; cheaper than inspect.isawaitable's ABC check
    # on the hot path, where the value is almost always a plain dict or model.
    return hasattr(value, "__await__")


def _call_sync(step: Call) -> Any:
    if step.timeout is not None and not step.is_async:
        result = run_sync_with_timeout(step.func, step.args, step.timeout)
    else:
        result = step.func(*step.args)
    if step.is_async or _awaitable(result):
        return run_async_from_sync(result, step.timeout)
    return result


async def _call_async(step: Call) -> Any:
    async def call() -> Any:
        if step.is_async:
            result = step.func(*step.args)
        else:
            abandon = step.timeout is not None
            result = await run_sync_in_thread(step.func, *step.args, abandon=abandon)
        if _awaitable(result):
            result = await result
        return result

    if step.timeout is None:
        return await call()
    return await wait_with_timeout(call(), step.timeout)


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


async def run_flow_async(flow: Generator[S, Any, R], perform: Callable[[S], Awaitable[Any]]) -> R:
    """:func:`run_flow` for async ``perform``."""
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


def _perform_sync(step: Step) -> Any:
    return _read_sync(step) if isinstance(step, ReadBody) else _call_sync(step)


async def _perform_async(step: Step) -> Any:
    return await (_read_async(step) if isinstance(step, ReadBody) else _call_async(step))


def drive_sync(flow: Flow) -> Response:
    """Run an endpoint flow to its response in sync code."""
    return run_flow(flow, _perform_sync)


async def drive_async(flow: Flow) -> Response:
    """Run an endpoint flow to its response on the running event loop."""
    return await run_flow_async(flow, _perform_async)
