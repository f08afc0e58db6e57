"""Throughput over HTTP on loopback: uvicorn for the ASGI contenders, gunicorn
for the WSGI ones, wrk as the load generator.

    python -m bench.http                 # all groups (about five minutes)
    python -m bench.http flask django    # some

Each server serves one framework's ``/adapter``, ``/idiomatic`` and ``/floor``
routes (see ``bench/apps.py``); wrk runs against each in alternating rounds and
the median requests per second are compared. Needs wrk (``apt-get install wrk``)
and gunicorn. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import AUTH, payload_12k, table
from tests.servers import ROOT, free_port, server

ROUNDS = 5
SECONDS = 3
CONNECTIONS = 4

SERVERS = {
    "uvicorn": ["-m", "uvicorn", "{app}", "--factory", "--port", "{port}",
                "--log-level", "warning", "--no-access-log"],
    # gthread keeps connections alive, as a production setup would; one worker,
    # so that server and load generator each have one of the machine's cores.
    "gunicorn": ["-m", "gunicorn", "{app}", "--bind", "127.0.0.1:{port}", "--workers", "1",
                 "--worker-class", "gthread", "--threads", "2", "--log-level", "warning"],
}  # fmt: skip

GROUPS = {
    "fastapi": ("FastAPI over HTTP (uvicorn)", "uvicorn", "bench.apps:fastapi_app"),
    "asgi": ("Plain ASGI adapter over HTTP (uvicorn)", "uvicorn", "bench.apps:asgi_app"),
    "flask": ("Flask over HTTP (gunicorn)", "gunicorn", "bench.apps:flask_app()"),
    "django": ("Django over HTTP (gunicorn)", "gunicorn", "bench.apps:django_app()"),
    "wsgi": ("Plain WSGI over HTTP (gunicorn)", "gunicorn", "bench.apps:wsgi_app()"),
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


def _wrk(url: str, script: Path) -> float:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 60,
    ).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered errors:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise RuntimeError(output)
    return float(match.group(1))


def run_group(
    name: str, scripts: dict[str, Path]
) -> list[tuple[str, str, float, float | None, float | None]]:
    title, kind, app = GROUPS[name]
    port = free_port()
    command = [arg.format(app=app, port=port) for arg in SERVERS[kind]]
    rows = []
    with server(command, port=port, env={}, cwd=ROOT):
        base = f"http://127.0.0.1:{port}"
        paths = ["/adapter"] if name == "asgi" else ["/adapter", "/idiomatic", "/floor"]
        for method, script in scripts.items():
            samples: dict[str, list[float]] = {p: [] for p in paths}
            for _ in range(ROUNDS):
                for path in paths:
                    samples[path].append(_wrk(base + path, script))
            rates = {p: statistics.median(v) for p, v in samples.items()}
            for path, rate in rates.items():
                rows.append((f"{title}: {path.strip('/')}", method, rate, None, None))
    return rows


Row = tuple[str, str, float, float | None, float | None]


def _rate(rows: list[Row], method: str, suffix: str) -> float | None:
    return next(
        (rate for label, m, rate, *_ in rows if m == method and label.endswith(suffix)), None
    )


def main(argv: list[str]) -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        scripts = {m: _script(Path(tmp), m) for m in ("POST", "GET")}
        results: dict[str, list[tuple[str, str, float, float | None, float | None]]] = {}
        for name in argv or list(GROUPS):
            results[name] = run_group(name, scripts)
    # Ratios: each adapter against the idiomatic route and the floor of its framework;
    # the plain ASGI adapter against FastAPI's.
    peers = {"asgi": "fastapi"}
    for name, rows in results.items():
        reference = results.get(peers.get(name, name), rows)
        out = []
        for label, method, rate, _, _ in rows:
            idiomatic = _rate(reference, method, "idiomatic")
            floor = _rate(reference, method, "floor")
            out.append(
                (
                    label,
                    method,
                    rate,
                    rate / idiomatic if idiomatic else None,
                    rate / floor if floor else None,
                )
            )
        print(table(GROUPS[name][0], out), end="\n\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
