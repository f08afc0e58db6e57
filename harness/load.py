"""A small load generator: N concurrent connections doing GET and POST for a
while, reporting throughput, errors and p50/p99 latency. The command is
``python -m bench.load``; the test suite runs a short load through
:func:`run_load`. Traffic goes only where it is pointed; use loopback addresses.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field

import httpx


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "req_per_s": self.requests / self.seconds if self.seconds else 0.0,
            "p50_ms": self.percentile(50),
            "p99_ms": self.percentile(99),
            "mean_ms": statistics.fmean(self.latencies_ms) if self.latencies_ms else 0.0,
        }


async def run_load(
    url: str,
    key: str,
    body: bytes,
    *,
    connections: int,
    duration: float | None = None,
    requests_per_connection: int | None = None,
    keepalive: bool = True,
) -> LoadResult:
    """Keep ``connections`` requests in flight, GETs and POSTs of ``body`` in
    turn, for ``duration`` seconds (a benchmark) or until each connection has
    made ``requests_per_connection`` (a test, which a slow machine must not
    fail); every non-2xx answer or transport failure counts as an error.
    ``keepalive=False`` opens a connection per request: a server closes an idle
    kept-alive connection after its own timeout (gunicorn 2 s, uvicorn 5 s),
    and a request sent on it at that moment fails in transport, whatever the
    app does, which a busy machine makes likely."""
    if (duration is None) == (requests_per_connection is None):
        raise ValueError("give duration or requests_per_connection")
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    result = LoadResult()
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections if keepalive else 0
    )
    started = time.monotonic()
    deadline = None if duration is None else started + duration

    def more(made: int) -> bool:
        if deadline is not None:
            return time.monotonic() < deadline
        return made < (requests_per_connection or 0)

    async def worker(client: httpx.AsyncClient, n: int) -> None:
        i = n
        made = 0
        while more(made):
            made += 1
            i += 1
            t0 = time.perf_counter()
            try:
                if i % 2:
                    response = await client.post(url, content=body, headers=headers)
                else:
                    response = await client.get(url, headers=headers)
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            result.latencies_ms.append((time.perf_counter() - t0) * 1000)
            result.requests += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if not 200 <= status < 300:
                result.errors += 1

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client, n) for n in range(connections)))
    result.seconds = time.monotonic() - started
    return result
