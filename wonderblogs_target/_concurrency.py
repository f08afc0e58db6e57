"""Calling user callbacks from the other side of the sync/async divide.

A sync callback must never block an event loop, so the async path runs it in a
worker thread. An async callback must work from a sync framework (Flask, Django's
WSGI views), so the sync path runs it on one long-lived background loop: reusing
a single loop keeps loop-bound resources in user code (an async DB pool, an
``httpx.AsyncClient``) valid from call to call, which ``asyncio.run`` would not.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["is_async_callable", "run_async_from_sync", "run_sync_in_thread"]


def is_async_callable(obj: object) -> bool:
    """True for coroutine functions, partials of them and objects with ``async __call__``."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    return inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(
        getattr(obj, "__call__", None)  # noqa: B004 - we want the method, not callable()
    )


async def run_sync_in_thread(func: Callable[..., T], *args: Any) -> T:
    """Run ``func`` in a worker thread; anyio's pool when present, so trio works too."""
    try:
        from anyio import to_thread
    except ImportError:  # pragma: no cover - anyio comes with every ASGI framework we support
        return await asyncio.to_thread(func, *args)
    return await to_thread.run_sync(func, *args)


class _BackgroundLoop:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _get(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="wonderblogs-target-loop", daemon=True
                )
                thread.start()
                self._loop = loop
            return self._loop

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrapper() -> T:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wrapper(), self._get()).result()


_background = _BackgroundLoop()


def run_async_from_sync(awaitable: Awaitable[T]) -> T:
    """Block until ``awaitable`` finishes on the shared background loop."""
    return _background.run(awaitable)
