"""The Markdown store at 10 and at 10,000 posts: GET context and a publish,
through the target, median milliseconds, side by side.

    python -m bench.markdown

The posts are written as the store writes them (its own rendering), then the
store opens over them and builds its index once. A publish is a new post,
fsync'd, as in production.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import AUTH, KEY, payload_12k
from wonderblogs_target import PublishPayload, Request, WonderblogsTarget
from wonderblogs_target.stores._formats import Post
from wonderblogs_target.stores.markdown import MarkdownStore

BRAND = {
    "brand_identity": "Acme builds deployment tooling for small platform teams.",
    "tone_of_voice": "Plain, precise, no hype.",
    "instructions": "One runnable example per article.",
    "content_focus": "Cutting cloud spend",
}
HEADERS = {"authorization": AUTH, "content-type": "application/json"}


def site(posts: int) -> MarkdownStore:
    """A directory with ``posts`` posts, written directly (no fsync: setup only)."""
    directory = Path(tempfile.mkdtemp(prefix="wb-bench-md-"))
    maker = MarkdownStore(directory)
    article = PublishPayload.model_validate_json(payload_12k())
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for n in range(posts):
        payload = article.model_copy(update={"slug": f"post-{n:05d}", "title": f"Post {n}"})
        when = start + timedelta(minutes=n)
        post = Post(payload=payload, published=when, updated=when, revision=1, draft=False)
        (directory / f"post-{n:05d}.md").write_text(maker.format.render(post))
    maker.close()
    store = MarkdownStore(directory)
    store.count()  # the index is built here, once
    return store


def median_ms(run, times: int) -> float:
    samples = []
    for n in range(times):
        start = time.perf_counter()
        run(n)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(posts: int) -> tuple[float, float]:
    store = site(posts)
    target = WonderblogsTarget(api_key=KEY, get_context=BRAND, store=store)
    body = payload_12k()

    def get(n: int) -> None:
        assert target.handle(Request("GET", HEADERS)).status == 200

    def publish(n: int) -> None:
        fresh = body.replace(b"right-sizing-kubernetes-workloads", f"new-{n}".encode(), 1)
        assert target.handle(Request("POST", HEADERS, fresh)).status == 200

    return median_ms(get, 50), median_ms(publish, 30)


def main() -> None:
    small_get, small_post = measure(10)
    large_get, large_post = measure(10_000)
    print("### The Markdown store, 10 and 10,000 posts (median ms)\n")
    print("| request | 10 posts | 10,000 posts | ratio |\n|---|---:|---:|---:|")
    print(f"| GET context | {small_get:.2f} | {large_get:.2f} | {large_get / small_get:.2f}x |")
    print(f"| publish | {small_post:.2f} | {large_post:.2f} | {large_post / small_post:.2f}x |")


if __name__ == "__main__":
    main()
