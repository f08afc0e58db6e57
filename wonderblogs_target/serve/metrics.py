"""``/metrics`` of ``serve`` in Prometheus' text format, by ``prometheus_client``
(the ``metrics`` extra): requests by route and status, how long a publish
takes, and how often the store failed."""

from __future__ import annotations

from typing import Any

from .._extras import missing_extra

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

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


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

        # The counter of each (route, status) pair, looked up once: a
        # ``labels()`` call checks and sorts its arguments every time.
        self._counted: dict[tuple[str, int], Any] = {}

    def latest(self) -> bytes:
        return bytes(generate_latest(self.registry))

    def __call__(self, scope: Any, status: int, took: float) -> None:
        """Count one answered request (an observer of `Observed`)."""
        route = _route(scope["path"], self.target_path)
        counter = self._counted.get((route, status))
        if counter is None:
            counter = self.requests.labels(route=route, status=str(status))
            self._counted[(route, status)] = counter
        counter.inc()
        if route == "target":
            if status >= 500:
                self.store_errors.inc()
            elif scope["method"] == "POST" and status < 300:
                self.publish_seconds.observe(took)
