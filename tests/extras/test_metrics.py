"""``[metrics]`` alone: ``serve`` answers ``/metrics`` in Prometheus' format."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from harness.servers import free_port
from tests import samples
from tests.extras._support import ask, running


def test_serve_counts_requests_on_metrics(tmp_path: Path) -> None:
    port = free_port()
    command = ("wonderblogs-target", "serve", "--port", str(port), "--metrics-public")
    with running(*command, cwd=tmp_path, port=port) as base:
        assert ask("POST", f"{base}/api/wonderblogs", samples.PAYLOAD) == (200, {"ok": True})
        with urllib.request.urlopen(f"{base}/metrics", timeout=30) as answer:
            text = answer.read().decode()
    assert "wonderblogs_requests_total" in text
    assert "wonderblogs_publish_duration_seconds" in text
