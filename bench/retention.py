"""What the SQLite store's file grows to: 10,000 re-pushes of one 12 KB
article, and 10,000 distinct articles, with the default retention (the newest
50 revisions of each post) and with every revision kept, side by side.

    python -m bench.retention [--count 10000]

Sizes are of the database file after a checkpoint and a VACUUM (what the
data takes, not free pages SQLite would reuse), next to the bytes of the
articles themselves. The writes go through the store as production makes
them, fsync'd; the run takes a few minutes.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from pathlib import Path

from bench.common import payload_12k
from wonderblogs_target import PublishPayload
from wonderblogs_target.stores.sqlite import SQLiteStore

KEEP_ALL = 10**9


def _size(path: Path) -> int:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("VACUUM")
    db.close()
    return path.stat().st_size


def run(count: int, *, distinct: bool, revisions: int) -> tuple[int, int]:
    """The file's size and the articles' own bytes, after ``count`` writes."""
    folder = Path(tempfile.mkdtemp(prefix="wb-bench-retention-"))
    store = SQLiteStore(folder / "posts.db", revisions=revisions)
    article = PublishPayload.model_validate_json(payload_12k())
    own = 0
    for n in range(count):
        slug = f"post-{n:05d}" if distinct else "one-post"
        payload = article.model_copy(update={"slug": slug, "title": f"Version {n}"})
        own += len(payload.model_dump_json(exclude_none=True))
        store.save(payload)
    store.close()
    current = own if distinct else len(payload.model_dump_json(exclude_none=True))
    return _size(folder / "posts.db"), current


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    count = parser.parse_args().count
    print(f"{count:,} writes through SQLiteStore; file size after VACUUM")
    print("| writes | retention | file | current articles | file / articles |")
    print("|---|---|---|---|---|")
    for distinct, label in ((False, "re-pushes of one article"), (True, "distinct articles")):
        for revisions, name in ((50, "newest 50 (default)"), (KEEP_ALL, "every revision")):
            size, current = run(count, distinct=distinct, revisions=revisions)
            print(
                f"| {label} | {name} | {size / 2**20:.1f} MiB | {current / 2**20:.2f} MiB "
                f"| {size / current:.1f}x |"
            )


if __name__ == "__main__":
    main()
