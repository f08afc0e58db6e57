"""The v1 emulator as a real HTTP server on a loopback port (uvicorn in a
thread), for code that reaches the Wonderblogs API by URL: ``serve`` and the
Wagtail app fetching cover images with the v1 key."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from harness.servers import free_port
from wonderblogs_target.testing import WonderblogsEmulator


@contextmanager
def emulator_server(api_key: str, **options: Any) -> Iterator[tuple[str, WonderblogsEmulator]]:
    """``options`` go to the emulator (``polls_to_finish``, say)."""
    import uvicorn

    emulator = WonderblogsEmulator(api_keys=[api_key], **options)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(emulator, host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the emulator did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", emulator
    finally:
        server.should_exit = True
        thread.join(timeout=5)
