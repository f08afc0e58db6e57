"""Write a request flow once, run it sync or async.

An endpoint describes its work as a generator that *yields* the two steps that
differ between sync and async code (reading the body, calling a user
callback) and *returns* the response. :func:`drive_sync` and
:func:`drive_async` carry those steps out, so every rule sits in one flow and
the two entry points cannot drift apart. Exceptions from a step are thrown
back into the flow, where the rule for them lives.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeAlias

from ._concurrency import run_async_from_sync, run_sync_in_thread
from .http import Body, Response

__all__ = ["Call", "Flow", "ReadBody", "drive_async", "drive_sync"]


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


Step: TypeAlias = ReadBody | Call
Flow: TypeAlias = Generator[Step, Any, Response]


def _read_sync(step: ReadBody) -> bytes | None:
    body = step.body
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body) if len(body) <= step.limit else None
    if isinstance(body, AsyncIterable):
        raise TypeError("an async body stream needs handle_async()")
    buffer = bytearray()
    for chunk in body:
        buffer += chunk
        if len(buffer) > step.limit:
            return None
    return bytes(buffer)


async def _read_async(step: ReadBody) -> bytes | None:
    if not isinstance(step.body, AsyncIterable):
        return _read_sync(step)
    buffer = bytearray()
    async for chunk in step.body:
        buffer += chunk
        if len(buffer) > step.limit:
            return None
    return bytes(buffer)


def _call_sync(step: Call) -> Any:
    result = step.func(*step.args)
    if step.is_async or inspect.isawaitable(result):
        return run_async_from_sync(result)
    return result


async def _call_async(step: Call) -> Any:
    if step.is_async:
        result = step.func(*step.args)
    else:
        result = await run_sync_in_thread(step.func, *step.args)
    if inspect.isawaitable(result):
        result = await result
    return result


def drive_sync(flow: Flow) -> Response:
    """Run ``flow`` to its response in sync code."""
    try:
        step = next(flow)
        while True:
            try:
                value = _read_sync(step) if isinstance(step, ReadBody) else _call_sync(step)
            except Exception as exc:
                step = flow.throw(exc)
            else:
                step = flow.send(value)
    except StopIteration as stop:
        response: Response = stop.value
        return response


async def drive_async(flow: Flow) -> Response:
    """Run ``flow`` to its response on the running event loop."""
    try:
        step = next(flow)
        while True:
            try:
                if isinstance(step, ReadBody):
                    value = await _read_async(step)
                else:
                    value = await _call_async(step)
            except Exception as exc:
                step = flow.throw(exc)
            else:
                step = flow.send(value)
    except StopIteration as stop:
        response: Response = stop.value
        return response
