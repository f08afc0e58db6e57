"""A real Redis server for the tests, started and stopped by them. The binary
comes from Debian's redis-server package (scripts/install-system-deps)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from harness.servers import free_port, wait_for_port


@contextmanager
def redis_server() -> Iterator[str]:
    """Yields the URL of a fresh, empty, non-persistent Redis server."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run scripts/install-system-deps")
    port = free_port()
    directory = tempfile.mkdtemp(prefix="wb-redis-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", directory],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)
