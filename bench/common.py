"""Shared pieces of the benchmarks: realistic documents, direct ASGI/WSGI calls,
and interleaved measurement.

Every figure is a ratio measured in one run: contenders are timed in
alternating rounds, in a shuffled order, and each one's median over the rounds
is compared. Absolute numbers vary from machine to machine; ratios much less.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

KEY = "bench-key-0123456789abcdef"
AUTH = f"Bearer {KEY}"


def payload_12k() -> bytes:
    """A publish payload of about 12 KB, shaped like a real article."""
    paragraph = (
        "Most teams overprovision their Kubernetes workloads by a wide margin. The fix is "
        "not a new tool but a habit: measure what pods really use, then set requests to "
        "match, with headroom where the traffic is spiky. "
    )
    sections = []
    for n in range(1, 12):
        sections.append(f"## Step {n}: measure, then trim\n\n{paragraph * 4}\n")
        sections.append("```bash\nkubectl top pods --all-namespaces --sort-by=cpu\n```\n")
    content = "\n".join(sections)
    document = {
        "slug": "right-sizing-kubernetes-workloads",
        "locale": "en",
        "title": "Right-Sizing Kubernetes Workloads: Stop Overpaying for Idle Pods",
        "description": "Most teams overprovision by 60%. " + paragraph[:300],
        "content": content,
        "author": "Acme Engineering",
        "tags": ["kubernetes", "finops", "cost-optimization", "cloud-native", "sre", "devops"],
        "seo": {
            "metaTitle": "Right-Sizing Kubernetes Workloads: A Practical Guide",
            "metaDescription": "Measure actual resource usage and right-size workloads.",
            "slug": "right-sizing-kubernetes-workloads",
        },
        "targetFocus": "Kubernetes cost optimization",
        "refinedAngle": "Practical right-sizing methodology using real kubectl metrics",
        "coverImageUrl": "https://images.example.com/kubernetes-costs.webp",
        "sources": [
            {"url": f"https://example.com/source/{n}", "title": f"Source number {n}"}
            for n in range(5)
        ],
    }
    body = json.dumps(document).encode()
    assert 11_000 <= len(body) <= 13_000, len(body)
    return body


def full_context() -> dict[str, Any]:
    """A context with every field set and 50 recent articles."""
    return {
        "brand_identity": "Acme builds deployment tooling for small platform teams. " * 8,
        "tone_of_voice": "Plain, precise, a little dry. No hype, no buzzwords. " * 4,
        "instructions": "Show one runnable example per article. Audience: senior engineers. " * 6,
        "content_focus": "Cutting cloud spend without slowing teams down",
        "recent_articles": [
            {
                "title": f"Article number {n}: what we learned running workloads",
                "summary": "A look at what got cheaper, what broke, and what we would "
                "do differently next time. " * 2,
            }
            for n in range(50)
        ],
        "visual_identity": {
            "color_palette": ["#0B5FFF", "#2C2116", "charcoal"],
            "visual_style": "flat-illustration",
            "image_mood": ["Calm", "Confident"],
            "banned_visual_elements": ["stock photos", "generic icons"],
            "reference_description": "Geometric shapes, lots of white space.",
            "image_output": {"aspect_ratio": "16:9", "output_format": "webp", "compression": 80},
        },
    }


def fixed_context() -> dict[str, Any]:
    """The context without its recent articles: what a store fills them into."""
    return {k: v for k, v in full_context().items() if k != "recent_articles"}


# -- calling apps directly -----------------------------------------------------------


def asgi_batch(app: Any, method: str, path: str, body: bytes = b"") -> Callable[[int], None]:
    """``run(n)`` sends ``n`` requests straight into the ASGI app."""
    loop = asyncio.new_event_loop()
    headers = [
        (b"host", b"bench"),
        (b"authorization", AUTH.encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]

    async def many(n: int) -> None:
        for _ in range(n):
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": method,
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "root_path": "",
                "query_string": b"",
                "headers": headers,
                "client": ("127.0.0.1", 50000),
                "server": ("127.0.0.1", 80),
                "state": {},
            }
            status = 0

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]

            await app(scope, receive, send)
            if status != 200:
                raise RuntimeError(f"{method} {path} answered {status}")

    def run(n: int) -> None:
        loop.run_until_complete(many(n))

    return run


def wsgi_batch(app: Any, method: str, path: str, body: bytes = b"") -> Callable[[int], None]:
    """``run(n)`` sends ``n`` requests straight into the WSGI app."""

    def run(n: int) -> None:
        for _ in range(n):
            environ = {
                "REQUEST_METHOD": method,
                "SCRIPT_NAME": "",
                "PATH_INFO": path,
                "QUERY_STRING": "",
                "SERVER_NAME": "bench",
                "SERVER_PORT": "80",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": "bench",
                "HTTP_AUTHORIZATION": AUTH,
                "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.version": (1, 0),
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(body),
                "wsgi.errors": io.StringIO(),
                "wsgi.multithread": False,
                "wsgi.multiprocess": False,
                "wsgi.run_once": False,
            }
            status: list[str] = []

            def start_response(
                line: str, headers: Any, exc_info: Any = None, status: list[str] = status
            ) -> Any:
                status.append(line)
                return lambda data: None

            result = app(environ, start_response)
            try:
                for _ in result:
                    pass
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
            if not status[0].startswith("200"):
                raise RuntimeError(f"{method} {path} answered {status[0]}")

    return run


# -- measuring ------------------------------------------------------------------------


def measure_rounds(
    contenders: dict[str, Callable[[int], None]],
    *,
    iterations: int,
    rounds: int = 7,
    warmup: int = 200,
) -> dict[str, list[float]]:
    """Requests per second of each contender in every round; the rounds run the
    contenders in a new random order each time, so round ``i`` is a fair pair."""
    for run in contenders.values():
        run(warmup)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            start = time.perf_counter()
            contenders[name](iterations)
            samples[name].append(iterations / (time.perf_counter() - start))
    return samples


def measure(
    contenders: dict[str, Callable[[int], None]],
    *,
    iterations: int,
    rounds: int = 7,
    warmup: int = 200,
) -> dict[str, float]:
    """Median requests per second of each contender, timed in interleaved rounds."""
    samples = measure_rounds(contenders, iterations=iterations, rounds=rounds, warmup=warmup)
    return {name: statistics.median(values) for name, values in samples.items()}


def paired_ratio(samples: dict[str, list[float]], name: str, peer: str) -> str:
    """``1.04x (0.98-1.10)``: the median of the per-round ratios of ``name`` to
    ``peer``, with their quartiles, which show how far one round can be trusted."""
    if name == peer:
        return "1.00x"
    ratios = [a / b for a, b in zip(samples[name], samples[peer], strict=True)]
    low, middle, high = statistics.quantiles(ratios, n=4)
    return f"{middle:.2f}x ({low:.2f}-{high:.2f})"


def microseconds_per_call(
    contenders: dict[str, Callable[[], object]], *, calls: int, rounds: int = 9
) -> dict[str, float]:
    """The fastest round's microseconds per call of each contender: for small,
    CPU-bound work the least disturbed round is the truest."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            for _ in range(calls):
                run()
            samples[name].append((time.perf_counter() - start) / calls * 1e6)
    return {name: min(values) for name, values in samples.items()}


Ratio = float | str | None


def _ratio(value: Ratio) -> str:
    return f"{value:.2f}x" if isinstance(value, float) else (value or "")


def table(title: str, rows: list[tuple[str, str, float, Ratio, Ratio]]) -> str:
    """Markdown: contender, method, req/s, ratio to the idiomatic peer and to the floor.

    A ratio is a float (printed as ``1.23x``) or text already formatted, such as a
    ratio with its spread."""
    lines = [
        f"### {title}",
        "",
        "| contender | request | req/s | vs idiomatic | vs floor |",
        "|---|---|---:|---:|---:|",
    ]
    for name, method, rate, vs_idiomatic, vs_floor in rows:
        a, b = (_ratio(r) for r in (vs_idiomatic, vs_floor))
        lines.append(f"| {name} | {method} | {rate:,.0f} | {a} | {b} |")
    return "\n".join(lines)
