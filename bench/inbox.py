"""The inbox pages of ``serve`` at 10,000 posts and at 2,000 revisions of one
post, for the SQLite and the Markdown store, median milliseconds in process.

    python -m bench.inbox [--posts 10000] [--revisions 2000]

The app is the one ``serve`` runs (``create_app``), asked through Starlette's
own test client, so a figure is the page's whole cost without the network:
the store's read, the rendering and the response. The goal is 50 ms per page.
The SQLite posts are written through the store (fsync'd, a few minutes at
10,000); the Markdown posts are written as the store renders them and indexed
once, as a site that already has them would be.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from bench.common import KEY, payload_12k
from bench.markdown import site
from wonderblogs_target import PublishPayload
from wonderblogs_target.serve.app import create_app
from wonderblogs_target.serve.config import ServeConfig
from wonderblogs_target.stores import Store
from wonderblogs_target.stores.sqlite import SQLiteStore

ARTICLE = PublishPayload.model_validate_json(payload_12k())


def sqlite_store(posts: int, revisions: int) -> tuple[Store, str]:
    folder = Path(tempfile.mkdtemp(prefix="wb-bench-inbox-"))
    store = SQLiteStore(folder / "posts.db", revisions=revisions + 1)
    for n in range(posts):
        store.save(ARTICLE.model_copy(update={"slug": f"post-{n:05d}", "title": f"Post {n}"}))
    many = ARTICLE.model_copy(update={"slug": "many-revisions"})
    for n in range(revisions + 1):
        kept = store.save(many.model_copy(update={"title": f"Revision {n}"}))
    return store, kept.id


def markdown_store(posts: int) -> tuple[Store, str]:
    return site(posts), f"post-{posts - 1:05d}"


def median_ms(run: Callable[[], None], times: int = 30) -> float:
    run()  # the first request warms caches a running server already has
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def pages(store: Store, post_id: str) -> tuple[float, float]:
    app = create_app(store=store, config=ServeConfig(), api_key=KEY)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        auth = ("inbox", KEY)

        def index() -> None:
            assert client.get("/", auth=auth).status_code == 200

        def post() -> None:
            assert client.get(f"/posts/{post_id}", auth=auth).status_code == 200

        return median_ms(index), median_ms(post)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--revisions", type=int, default=2_000)
    args = parser.parse_args()
    rows = [
        (
            f"SQLite, {args.posts:,} posts, one with {args.revisions:,} revisions",
            pages(*sqlite_store(args.posts, args.revisions)),
        ),
        (f"Markdown, {args.posts:,} posts", pages(*markdown_store(args.posts))),
    ]
    print("### The inbox pages (median ms, in process; goal 50 ms)\n")
    print("| store | inbox | post page |\n|---|---:|---:|")
    for name, (index, post) in rows:
        print(f"| {name} | {index:.1f} | {post:.1f} |")


if __name__ == "__main__":
    main()
