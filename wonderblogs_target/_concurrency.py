"""Calling user callbacks from the other side of the sync/async divide.

A sync callback must never block an event loop, so the async path runs it in a
worker thread. An async callback must work from a sync framework (Flask, Django's
WSGI views), so the sync path runs it on one long-lived background loop: reusing
a single loop keeps loop-bound resources in user code (an async DB pool, an
``httpx.AsyncClient``) valid from call to call, which ``asyncio.run`` would not.
"""

from __future__ import annotations

import concurrent.futures
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    # asyncio (and ssl with it) is imported where it is used: a Flask or
    # Django site never runs a coroutine and does not pay for loading it.
    import asyncio

T = TypeVar("T")

__all__ = [
    "CallbackTimeout",
    "is_async_callable",
    "run_async_from_sync",
    "run_sync_in_thread",
    "run_sync_with_timeout",
    "wait_with_timeout",
]


class CallbackTimeout(Exception):
    """A user callback ran past its time limit; the request is answered without it."""


def is_async_callable(obj: object) -> bool:
    """True for coroutine functions, partials of them and objects with ``async __call__``."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    return inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(
        getattr(obj, "__call__", None)  # noqa: B004 - we want the method, not callable()
    )


async def run_sync_in_thread(func: Callable[..., T], *args: Any, abandon: bool = False) -> T:
    """Run ``func`` in a worker thread; anyio's pool when present, so trio works too.

    ``abandon=True`` lets a time limit end the wait while the thread runs on
    (a thread cannot be stopped); only then is the call given up on.
    """
    try:
        from anyio import to_thread
    except ImportError:  # plain asyncio, without anyio (tested without it)
        import asyncio

        return await asyncio.to_thread(func, *args)
    if abandon:
        return await to_thread.run_sync(func, *args, **_abandon_on_cancel(to_thread.run_sync))
    return await to_thread.run_sync(func, *args)


@functools.cache
def _abandon_on_cancel(run_sync: Callable[..., Any]) -> dict[str, Any]:
    """anyio's keyword for "stop waiting, let the thread run on": anyio is not
    ours to pin (Starlette and httpx bring it), and 4.1 renamed ``cancellable``
    to ``abandon_on_cancel``; whichever the installed anyio knows."""
    known = inspect.signature(run_sync).parameters
    return {"abandon_on_cancel" if "abandon_on_cancel" in known else "cancellable": True}


async def wait_with_timeout(awaitable: Awaitable[T], timeout: float) -> T:
    """Await ``awaitable`` for at most ``timeout`` seconds, else raise CallbackTimeout."""
    try:
        import anyio
    except ImportError:  # plain asyncio, without anyio (tested without it)
        import asyncio

        try:
            return await asyncio.wait_for(awaitable, timeout)
        except asyncio.TimeoutError:
            raise CallbackTimeout(f"callback ran past {timeout:g} s") from None
    try:
        with anyio.fail_after(timeout):
            return await awaitable
    except TimeoutError:
        raise CallbackTimeout(f"callback ran past {timeout:g} s") from None


# Threads for sync callbacks under a time limit in sync code. Bounded, so that
# callbacks which never return cannot pile up threads without end; once all
# are busy, further calls wait in the queue and time out there.
_limited_pool = concurrent.futures.ThreadPoolExecutor(
    max_workers=32, thread_name_prefix="wonderblogs-callback"
)


def run_sync_with_timeout(func: Callable[..., T], args: tuple[Any, ...], timeout: float) -> T:
    """Call ``func`` in a worker thread and wait at most ``timeout`` seconds."""
    future = _limited_pool.submit(func, *args)
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise CallbackTimeout(f"callback ran past {timeout:g} s") from None


class _BackgroundLoop:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _get(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                import asyncio

                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="wonderblogs-target-loop", daemon=True
                )
                thread.start()
                self._loop = loop
            return self._loop

    def run(self, awaitable: Awaitable[T], timeout: float | None = None) -> T:
        import asyncio

        async def wrapper() -> T:
            return await awaitable

        future = asyncio.run_coroutine_threadsafe(wrapper(), self._get())
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise CallbackTimeout(f"callback ran past {timeout:g} s") from None


_background = _BackgroundLoop()


def run_async_from_sync(awaitable: Awaitable[T], timeout: float | None = None) -> T:
    """Block until ``awaitable`` finishes on the shared background loop (or times out)."""
    return _background.run(awaitable, timeout)
