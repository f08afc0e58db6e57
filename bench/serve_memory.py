"""``serve`` and the hand-written peer (``bench/serve_peer.py``) holding 64
POSTs of 5 MiB at once: the servers' resident memory when idle, at the peak,
and a moment after, side by side.

    python -m bench.serve_memory [--bodies 64] [--mib 5]

Both run on a SQLite file each, started as ``bench.serve`` starts them. The
bodies are valid articles whose content makes them just under the size (5 MiB
is serve's default limit), sent together from threads that wait at a barrier.
Memory is read from ``/proc/PID/status``: ``VmRSS`` before and after,
``VmHWM`` (the process's peak) after the last answer. "Per body" is the peak
over idle, divided by the bodies.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.common import KEY, payload_12k
from bench.serve import contenders

HEADERS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


def _status(pid: int, field: str) -> int:
    """A ``/proc/PID/status`` figure, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _bodies(count: int, size: int) -> list[bytes]:
    article = json.loads(payload_12k())
    base = json.dumps({**article, "slug": "x", "content": ""}).encode()
    filler = "Plain words for a long article. " * (size // 32 + 1)
    room = size - len(base) - 64
    return [
        json.dumps({**article, "slug": f"big-{n}", "content": filler[:room]}).encode()
        for n in range(count)
    ]


def _flood(url: str, bodies: list[bytes]) -> list[int]:
    start = threading.Barrier(len(bodies))

    def post(body: bytes) -> int:
        with httpx.Client(timeout=120) as http:
            start.wait()
            return http.post(url, content=body, headers=HEADERS).status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bodies", type=int, default=64)
    parser.add_argument("--mib", type=float, default=5.0)
    args = parser.parse_args()
    bodies = _bodies(args.bodies, int(args.mib * 1024 * 1024))
    rows = []
    with tempfile.TemporaryDirectory() as tmp, contenders(None, Path(tmp)) as urls:
        pids = _pids(Path(tmp))
        for name, url in urls.items():
            pid = pids[name]
            httpx.post(url, content=bodies[0], headers=HEADERS, timeout=60).raise_for_status()
            idle = _status(pid, "VmRSS")
            statuses = _flood(url, bodies)
            assert statuses == [200] * len(bodies), sorted(set(statuses))
            peak = _status(pid, "VmHWM")
            time.sleep(1)
            after = _status(pid, "VmRSS")
            rows.append((name, idle, peak, after, (peak - idle) / len(bodies)))
    body_mib = len(bodies[0]) / 1024 / 1024
    print(f"### {args.bodies} POSTs of {body_mib:.2f} MiB at once (MiB)\n")
    print("| server | idle | peak | a second after | per body |\n|---|---:|---:|---:|---:|")
    for name, idle, peak, after, per_body in rows:
        print(
            f"| {name} | {idle / 1024:.0f} | {peak / 1024:.0f} | {after / 1024:.0f} "
            f"| {per_body / 1024:.1f} |"
        )


def _pids(folder: Path) -> dict[str, int]:
    """The two servers' process ids, which `contenders` writes beside their logs."""
    return {name: int((folder / f"{name}.pid").read_text()) for name in ("serve", "peer")}


if __name__ == "__main__":
    main()
