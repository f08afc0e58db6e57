"""Throughput over HTTP on loopback: uvicorn for the ASGI contenders, gunicorn
for the WSGI ones, wrk as the load generator.

    python -m bench.http                 # every group (about twelve minutes)
    python -m bench.http flask django    # some

Each server serves one framework's contenders side by side (``/adapter``,
``/idiomatic``, ``/floor``, see ``bench/apps.py``; the uvicorn server also
serves the bare ASGI adapter), and wrk runs against each in rounds, in a
shuffled order per round. A ratio is the median of the per-round ratios, so a
slow spell of the machine, which hits every contender of a round alike, cancels
out; beside it, in brackets, the middle half of those per-round ratios (first
to third quartile), which shows how far one round can be trusted. On Linux with
two or more cores the server is pinned to one core and wrk to another: sharing
the cores made single rounds swing by 20%, pinned they swing by 5-10%.

Needs wrk (``apt-get install wrk``) and gunicorn. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.common import AUTH, paired_ratio, payload_12k, table
from harness.servers import ROOT, free_port, server

ROUNDS = 25
SECONDS = 1
CONNECTIONS = 4

SERVERS = {
    "uvicorn": ["-m", "uvicorn", "{app}", "--factory", "--port", "{port}",
                "--log-level", "warning", "--no-access-log"],
    # gthread keeps connections alive, as a production setup would; one worker,
    # so that server and load generator each have one of the machine's cores.
    "gunicorn": ["-m", "gunicorn", "{app}", "--bind", "127.0.0.1:{port}", "--workers", "1",
                 "--worker-class", "gthread", "--threads", "2", "--log-level", "warning"],
}  # fmt: skip

_WSGI_PATHS = {"adapter": "/adapter", "idiomatic": "/idiomatic", "floor": "/floor"}

#: name -> (title, server, app, contender -> path). "idiomatic" and "floor" are the peers.
GROUPS: dict[str, tuple[str, str, str, dict[str, str]]] = {
    "fastapi": (
        "ASGI over HTTP (uvicorn; peers are FastAPI routes)",
        "uvicorn",
        "bench.apps:uvicorn_app",
        {
            "FastAPI adapter": "/adapter",
            "ASGI adapter (bare)": "/asgi-adapter",
            "idiomatic": "/idiomatic",
            "floor": "/floor",
        },
    ),
    "flask": ("Flask over HTTP (gunicorn)", "gunicorn", "bench.apps:flask_app()", _WSGI_PATHS),
    "django": ("Django over HTTP (gunicorn)", "gunicorn", "bench.apps:django_app()", _WSGI_PATHS),
    "wsgi": ("Plain WSGI over HTTP (gunicorn)", "gunicorn", "bench.apps:wsgi_app()", _WSGI_PATHS),
}


def _script(directory: Path, method: str) -> Path:
    body = payload_12k().decode()
    path = directory / f"{method.lower()}.lua"
    lines = [
        f'wrk.method = "{method}"',
        f'wrk.headers["Authorization"] = "{AUTH}"',
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    if method == "POST":
        lines.append(f"wrk.body = [==[{body}]==]")
    path.write_text("\n".join(lines) + "\n")
    return path


def _cores() -> tuple[int, int] | None:
    """The server's core and the load generator's, when the machine can pin."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cores = sorted(os.sched_getaffinity(0))
    return (cores[0], cores[1]) if len(cores) >= 2 else None


def _pin_tree(pid: int, core: int) -> None:
    """Pin a process, its threads and its children (gunicorn's worker) to ``core``."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), {core})
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            _pin_tree(int(child), core)


def _wrk(url: str, script: Path) -> float:
    cores = _cores()
    pin: Callable[[], None] | None = None
    if cores is not None:
        core = cores[1]

        def pin() -> None:
            os.sched_setaffinity(0, {core})

    output = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 60,
        preexec_fn=pin,
    ).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered errors:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise RuntimeError(output)
    return float(match.group(1))


def run_group(name: str, scripts: dict[str, Path]) -> list[tuple[str, str, float, str, str]]:
    """Rows of (contender, method, median req/s, ratio to idiomatic, ratio to floor)."""
    _, kind, app, contenders = GROUPS[name]
    port = free_port()
    command = [arg.format(app=app, port=port) for arg in SERVERS[kind]]
    rows = []
    with server(command, port=port, env={}, cwd=ROOT) as process:
        cores = _cores()
        if cores is not None:
            _pin_tree(process.pid, cores[0])
        base = f"http://127.0.0.1:{port}"
        for method, script in scripts.items():
            order = list(contenders)
            for contender in order:  # warm up: imports, caches, the first connections
                _wrk(base + contenders[contender], script)
            samples: dict[str, list[float]] = {c: [] for c in order}
            for _ in range(ROUNDS):
                random.shuffle(order)
                for contender in order:
                    samples[contender].append(_wrk(base + contenders[contender], script))
            for contender, rates in samples.items():
                rows.append(
                    (
                        contender,
                        method,
                        statistics.median(rates),
                        paired_ratio(samples, contender, "idiomatic"),
                        paired_ratio(samples, contender, "floor"),
                    )
                )
    return rows


def main(argv: list[str]) -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    unknown = set(argv) - set(GROUPS)
    if unknown:
        sys.exit(f"unknown group(s) {sorted(unknown)}; choose from {sorted(GROUPS)}")
    pinned = "pinned to separate cores" if _cores() else "sharing the cores (not pinned)"
    print(f"<!-- {ROUNDS} rounds of {SECONDS} s per contender; server and wrk {pinned} -->\n")
    with tempfile.TemporaryDirectory() as tmp:
        scripts = {m: _script(Path(tmp), m) for m in ("POST", "GET")}
        for name in argv or list(GROUPS):
            rows = run_group(name, scripts)
            print(table(GROUPS[name][0], list(rows)), end="\n\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
