"""``/metrics`` of ``serve`` in Prometheus' text format, by ``prometheus_client``
(the ``metrics`` extra): requests by route and status, how long a publish
takes, and how often the store failed."""

from __future__ import annotations

import time
from typing import Any

from .._extras import missing_extra
from .access import StatusNoted

try:
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        CollectorRegistry,
        Counter,
        Histogram,
        generate_latest,
    )
except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
    raise missing_extra("prometheus_client", "metrics") from exc

__all__ = ["CONTENT_TYPE_LATEST", "CountingMiddleware", "Metrics"]


def _route(path: str, target_path: str) -> str:
    """A small, fixed set of labels: never the path itself (post ids, probes)."""
    if path.rstrip("/") == target_path:
        return "target"
    if path.startswith("/posts/"):
        return "post"
    return {"/": "inbox", "/healthz": "health", "/metrics": "metrics"}.get(path, "other")


class Metrics:
    """The counters of one app, in a registry of their own (several apps in one
    process, as in tests, do not share them)."""

    def __init__(self, target_path: str) -> None:
        self.target_path = target_path
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "wonderblogs_requests",
            "Requests answered, by route and status.",
            ["route", "status"],
            registry=self.registry,
        )
        self.publish_seconds = Histogram(
            "wonderblogs_publish_duration_seconds",
            "Time to receive, check and store an article.",
            registry=self.registry,
        )
        self.store_errors = Counter(
            "wonderblogs_store_errors",
            "Target requests the store failed (answered 5xx; Wonderblogs keeps the article).",
            registry=self.registry,
        )

    def latest(self) -> bytes:
        return bytes(generate_latest(self.registry))


class CountingMiddleware:
    """ASGI middleware counting every HTTP request into ``metrics``."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        app, metrics = self.app, self.metrics
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started, answered = time.perf_counter(), StatusNoted(send)
        try:
            await app(scope, receive, answered)
        finally:
            status = answered.status
            route = _route(scope["path"], metrics.target_path)
            metrics.requests.labels(route=route, status=str(status)).inc()
            if route == "target":
                if status >= 500:
                    metrics.store_errors.inc()
                elif scope["method"] == "POST" and status < 300:
                    metrics.publish_seconds.observe(time.perf_counter() - started)
