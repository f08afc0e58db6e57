"""``wonderblogs-target serve`` against a hand-written Starlette peer doing the
same work (``bench/serve_peer.py`` says what that is), over HTTP on loopback
with wrk: SQLite and PostgreSQL, GET (the context, with the 50 newest
articles) and POST (a 12 KB article re-pushed), at 1, 8 and 64 connections.

    python -m bench.serve [--rounds 10] [--seconds 1]

Both run under uvicorn with the same settings (one worker, h11); serve
writes its line per request, the peer none. In each round the two are
measured one after the other in a shuffled order; a ratio is the median of
the per-round ratios of serve to the peer (quartiles beside it), so a slow
spell of the machine cancels out. p99 is the median of the rounds' 99th
percentile latencies. The server is pinned to one core and wrk to the other
where the machine allows. PostgreSQL is a fresh server of Debian's package for
each of the two, started here: with one server shared, the connections one
contender keeps leave the other too few at 64 connections. Needs wrk
(``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.common import KEY, fixed_context, payload_12k
from bench.http import _cores, _pin_tree, _script
from harness.servers import ROOT, free_port, wait_for_port

CONNECTIONS = (1, 8, 64)


def _toml(context: dict[str, object]) -> str:
    import json

    lines = ["[context]"]
    nested = {}
    for name, value in context.items():
        if isinstance(value, dict):
            nested[name] = value
        else:
            lines.append(f"{name} = {json.dumps(value)}")
    for name, table in nested.items():
        lines.append(f"\n[context.{name}]")
        for key, value in table.items():
            if isinstance(value, dict):
                pairs = ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items())
                lines.append(f"{key} = {{ {pairs} }}")
            else:
                lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


@contextmanager
def contenders(stores: tuple[str, str] | None, folder: Path) -> Iterator[dict[str, str]]:
    """serve and the peer on one store each (the same kind), by their URLs."""
    config = folder / "wonderblogs.toml"
    config.write_text(_toml(fixed_context()))
    serve_port, peer_port = free_port(), free_port()
    serve_store, peer_store = stores or (
        f"sqlite:///{folder}/serve.db",
        f"sqlite:///{folder}/peer.db",
    )
    wonderblogs = str(Path(sys.executable).parent / "wonderblogs-target")
    serve = [wonderblogs, "serve", "--port", str(serve_port), "--store", serve_store,
             "--config", str(config)]  # fmt: skip
    peer = ["-m", "uvicorn", "bench.serve_peer:app", "--factory",
            "--http", "h11", "--port", str(peer_port), "--log-level", "warning",
            "--no-access-log"]  # fmt: skip
    env = {"WONDERBLOGS_API_KEY": KEY, "PEER_KEY": KEY, "PEER_STORE": peer_store}
    with ExitStack() as stack:
        processes = [
            stack.enter_context(_started(serve, serve_port, env, folder / "serve.log")),
            stack.enter_context(_started(peer, peer_port, env, folder / "peer.log")),
        ]
        cores = _cores()
        if cores is not None:
            for process in processes:
                _pin_tree(process.pid, cores[0])
        for name, process in zip(("serve", "peer"), processes, strict=True):
            (folder / f"{name}.pid").write_text(str(process.pid))  # for bench.serve_memory
        yield {
            "serve": f"http://127.0.0.1:{serve_port}/api/wonderblogs",
            "peer": f"http://127.0.0.1:{peer_port}/api/wonderblogs",
        }


@contextmanager
def _started(command: list[str], port: int, env: dict[str, str], log: Path) -> Iterator[Any]:
    """``python COMMAND`` on ``port``, its output into ``log``: a pipe nobody
    reads fills up under load (serve logs every request) and stalls the server."""
    import subprocess

    full = {**os.environ, **env}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            wait_for_port(port, process)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=10)


class AnsweredErrors(Exception):
    """wrk saw answers other than 2xx (their number)."""


def _wrk(url: str, script: Path, connections: int, seconds: float) -> tuple[float, float]:
    """Requests per second and the 99th percentile latency in ms."""
    import subprocess

    cores = _cores()

    def pin() -> None:
        if cores is not None:
            os.sched_setaffinity(0, {cores[1]})

    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True, timeout=seconds + 60, preexec_fn=pin,
    ).stdout  # fmt: skip
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:  # counted, not hidden: a rate of failures is no rate of answers
        raise AnsweredErrors(int(errors.group(1)))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return rate, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _seed(url: str, count: int = 200) -> None:
    """Posts for the context to list, the same in both stores."""
    import json

    import httpx

    article = json.loads(payload_12k())
    with httpx.Client(timeout=30) as http:
        for n in range(count):
            body = json.dumps({**article, "slug": f"post-{n}", "title": f"Post {n}"})
            answer = http.post(url, content=body, headers={"Authorization": f"Bearer {KEY}",
                               "Content-Type": "application/json"})  # fmt: skip
            answer.raise_for_status()


def run(stores: tuple[str, str] | None, rounds: int, seconds: float) -> list[str]:
    """The table's rows: ``stores`` are the two PostgreSQL URLs, or None for
    a SQLite file each."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp, contenders(stores, Path(tmp)) as urls:
        for url in urls.values():
            _seed(url)
        scripts = {m: _script(Path(tmp), m) for m in ("GET", "POST")}
        for method, script in scripts.items():
            for connections in CONNECTIONS:
                names = list(urls)
                rates: dict[str, list[float]] = {n: [] for n in names}
                p99: dict[str, list[float]] = {n: [] for n in names}
                failed: dict[str, int] = {}
                for round_ in range(rounds + 1):  # the first round warms up
                    random.shuffle(names)
                    for name in names:
                        try:
                            rate, latency = _wrk(urls[name], script, connections, seconds)
                        except AnsweredErrors as exc:
                            failed[name] = failed.get(name, 0) + exc.args[0]
                            continue
                        if round_:
                            rates[name].append(rate)
                            p99[name].append(latency)
                if failed or not all(rates.values()):
                    rows.append(
                        f"| {method} | {connections} | errors: " + ", ".join(
                            f"{n} answered {c} non-2xx" for n, c in sorted(failed.items())
                        ) + " | | | | |"
                    )  # fmt: skip
                    print(rows[-1], flush=True)
                    continue
                ratios = [a / b for a, b in zip(rates["serve"], rates["peer"], strict=True)]
                low, middle, high = statistics.quantiles(ratios, n=4)
                rows.append(
                    f"| {method} | {connections} | {statistics.median(rates['serve']):,.0f} "
                    f"| {statistics.median(rates['peer']):,.0f} | {middle:.2f}x "
                    f"({low:.2f}-{high:.2f}) | {statistics.median(p99['serve']):.1f} "
                    f"| {statistics.median(p99['peer']):.1f} |"
                )
                print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--store", choices=("sqlite", "postgres"), action="append")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    header = (
        "| request | connections | serve req/s | peer req/s | serve/peer | "
        "serve p99 ms | peer p99 ms |\n|---|---|---|---|---|---|---|"
    )
    for kind in args.store or ["sqlite", "postgres"]:
        print(f"\n### {kind}\n\n{header}", flush=True)
        if kind == "sqlite":
            run(None, args.rounds, args.seconds)
            continue
        sys.path.insert(0, str(ROOT))
        from tests.postgres import postgres_server

        with postgres_server(free_port()) as serve_url, postgres_server(free_port()) as peer_url:
            run((serve_url, peer_url), args.rounds, args.seconds)


if __name__ == "__main__":
    main()
