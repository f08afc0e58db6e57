"""A real PostgreSQL server for the tests, started and stopped by them.

The server binaries come from the system (Debian's postgresql package; ``.ci/run``
installs it when absent). PostgreSQL refuses to run as root, so as root the
server runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.servers import free_port


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(f"{name} not found: run scripts/install-system-deps")
    return found


#: The port of the tests' server, chosen at import so that settings (Django's
#: ``DATABASES``) can name it before the server is started.
PORT = int(os.environ.get("WONDERBLOGS_TEST_PG_PORT") or free_port())


#: How to restart each running server, by its URL (see :func:`restart`).
_RESTARTS: dict[str, Callable[[], None]] = {}


def restart(url: str) -> None:
    """Restart the server at ``url`` (fast shutdown, then start again): every
    connection a client holds is dropped, as in a database restart."""
    _RESTARTS[url]()


@contextmanager
def postgres_server(port: int = PORT) -> Iterator[str]:
    """Yields a connection URL for the ``postgres`` database of a fresh server."""
    base = Path(tempfile.mkdtemp(prefix="wb-pg-", dir="/tmp"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log = base / "data", base / "log"

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    run(
        _binary("initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--no-sync",
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        _binary("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"
    )
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    _RESTARTS[url] = lambda: run(
        _binary("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-m", "fast",
        "-w", "-t", "60", "restart",
    )  # fmt: skip
    try:
        yield url
    finally:
        _RESTARTS.pop(url, None)
        subprocess.run(
            [*prefix, _binary("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)
