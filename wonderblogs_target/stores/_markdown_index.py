"""The Markdown store's index: what each post file holds, in a SQLite file
beside the posts, so that a GET, a publish or a rewrite reads no file it does
not need.

The files stay the truth. The index notes each post file's modification time
and the directory's; when the directory changed since (a post added, renamed
or removed by hand, or by another worker's write) the files whose times moved
are read again. Deleting the index loses nothing: it is rebuilt from the files.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ._base import CHECK_SLUG_PREFIX
from .sqlite import connect, run_script

logger = logging.getLogger("wonderblogs_target.stores")

__all__ = ["DELIVERIES_NAME", "INDEX_NAME", "Entry", "MarkdownIndex"]

INDEX_NAME = ".wonderblogs-index.sqlite"
#: The kept deliveries of a Markdown store (`SQLDeliveryLog`), beside the index.
DELIVERIES_NAME = ".wonderblogs-deliveries.sqlite"

#: (name, slug, locale, external_id, title, description, published_at, mtime_ns)
Entry = tuple[str, str, str, str | None, str, str, str, int]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    name TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    locale TEXT NOT NULL,
    external_id TEXT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    published_at TEXT NOT NULL,
    mtime_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS posts_external_id ON posts (external_id);
CREATE INDEX IF NOT EXISTS posts_identity ON posts (slug, locale);
CREATE INDEX IF NOT EXISTS posts_published ON posts (published_at);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
-- Every .md file, posts and a person's alike, by its case-folded name.
CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, folded TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS files_folded ON files (folded);
"""


_UPSERT = "INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


class MarkdownIndex:
    """``entry_of(path)`` reads one file into an `Entry` (or None for a
    file that is not a post of the store)."""

    def __init__(self, directory: Path, entry_of: Callable[[Path], Entry | None]) -> None:
        self.directory = directory
        self.entry_of = entry_of
        self._local = threading.local()
        with self._db() as db:
            run_script(db, _SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.directory / INDEX_NAME)
            self._local.db = db
        yield db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- keeping in step with the files ------------------------------------------------

    def sync(self) -> None:
        """Bring the index in step with the directory: one stat when nothing
        changed, the changed files read again otherwise."""
        with self._db() as db:
            stamp = self._stale(db)
            if stamp is None:
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                self._catch_up(db, stamp)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            self._local.commits = getattr(self._local, "commits", 0) + 1

    @contextmanager
    def current(self) -> Iterator[bool]:
        """For a read: inside, the index answers as the directory is now.

        What changed is saved when it can be. When it cannot (a full disk, a
        read-only folder), the questions asked inside go to a copy in memory
        brought in step there, so that a read never needs a write. Yields
        whether the index was saved (answers cached on `version` hold
        only then).
        """
        try:
            self.sync()
        except sqlite3.OperationalError as exc:
            logger.warning("the Markdown index cannot be saved (%s); answering from the files", exc)
        else:
            yield True
            return
        with self._db() as db:
            copy = sqlite3.connect(":memory:", isolation_level=None)
            db.backup(copy)
        self._local.db, own = copy, db
        try:
            stamp = self._stale(copy)
            if stamp is not None:
                self._catch_up(copy, stamp)
            yield False
        finally:
            self._local.db = own
            copy.close()

    def _stale(self, db: sqlite3.Connection) -> int | None:
        """The directory's time when the index is behind it, else None."""
        stamp = os.stat(self.directory).st_mtime_ns
        row = db.execute("SELECT value FROM state WHERE key = 'directory'").fetchone()
        return None if row is not None and row[0] == stamp else stamp

    def _catch_up(self, db: sqlite3.Connection, stamp: int) -> None:
        """Within the caller's transaction: the changed files read again."""
        known = dict(db.execute("SELECT name, mtime_ns FROM posts").fetchall())
        seen: set[str] = set()
        changed: list[Entry] = []
        files: list[tuple[str, str]] = []
        with os.scandir(self.directory) as entries:
            for item in entries:
                if not item.name.endswith(".md") or item.name.startswith("."):
                    continue
                files.append((item.name, item.name.casefold()))
                name = item.name[: -len(".md")]
                seen.add(name)
                if known.get(name) != item.stat().st_mtime_ns:
                    entry = self.entry_of(Path(item.path))
                    if entry is not None:
                        changed.append(entry)
                    else:
                        seen.discard(name)
        gone = [(name,) for name in known if name not in seen]
        db.executemany("DELETE FROM posts WHERE name = ?", gone)
        db.executemany(_UPSERT, changed)
        db.execute("DELETE FROM files")
        db.executemany("INSERT INTO files VALUES (?, ?)", files)
        self._note_directory(db, stamp)

    def _note_directory(self, db: sqlite3.Connection, stamp: int) -> None:
        db.execute("INSERT OR REPLACE INTO state VALUES ('directory', ?)", (stamp,))

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction of the store's own (the store holds its lock),
        which notes the directory's time it leaves behind."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                self._note_directory(db, os.stat(self.directory).st_mtime_ns)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            self._local.commits = getattr(self._local, "commits", 0) + 1

    def removed(self, name: str) -> None:
        """A post the store removed."""
        with self._writing() as db:
            db.execute("DELETE FROM posts WHERE name = ?", (name,))
            db.execute("DELETE FROM files WHERE name = ?", (f"{name}.md",))

    def wrote(self, entry: Entry, moved_from: str | None = None) -> None:
        """A write of the store's own, already on disk."""
        with self._writing() as db:
            if moved_from is not None:
                db.execute("DELETE FROM posts WHERE name = ?", (moved_from,))
                db.execute("DELETE FROM files WHERE name = ?", (f"{moved_from}.md",))
            db.execute(_UPSERT, entry)
            file_name = f"{entry[0]}.md"
            db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?)", (file_name, file_name.casefold())
            )

    # -- questions -------------------------------------------------------------------------

    def case_twin(self, file_name: str) -> str | None:
        """A file whose name differs from ``file_name`` only by case, if any."""
        with self._db() as db:
            row = db.execute(
                "SELECT name FROM files WHERE folded = ? AND name != ? LIMIT 1",
                (file_name.casefold(), file_name),
            ).fetchone()
        return None if row is None else str(row[0])

    def by_external_id(self, external_id: str) -> str | None:
        with self._db() as db:
            row = db.execute(
                "SELECT name FROM posts WHERE external_id = ? ORDER BY published_at LIMIT 1",
                (external_id,),
            ).fetchone()
        return None if row is None else str(row[0])

    def by_identity(self, slug: str, locale: str) -> str | None:
        with self._db() as db:
            row = db.execute(
                "SELECT name FROM posts WHERE slug = ? AND locale = ? LIMIT 1", (slug, locale)
            ).fetchone()
        return None if row is None else str(row[0])

    def version(self) -> tuple[int, int]:
        """Changes whenever the index does, by any connection (SQLite's
        ``data_version`` for other connections and processes, a count of this
        thread's own commits): what a cache of the index's answers is keyed on."""
        with self._db() as db:
            other = int(db.execute("PRAGMA data_version").fetchone()[0])
        return other, getattr(self._local, "commits", 0)

    def newest(self, limit: int, *, context: bool = False) -> list[tuple[str, str, str]]:
        """(name, title, description) of the newest posts; for the ``context``,
        without the checker's test articles."""
        with self._db() as db:
            if context:
                rows: list[Any] = db.execute(
                    "SELECT name, title, description FROM posts WHERE substr(slug, 1, ?) <> ? "
                    "ORDER BY published_at DESC, name DESC LIMIT ?",
                    (len(CHECK_SLUG_PREFIX), CHECK_SLUG_PREFIX, limit),
                ).fetchall()
            else:
                rows = db.execute(
                    "SELECT name, title, description FROM posts "
                    "ORDER BY published_at DESC, name DESC LIMIT ?",
                    (limit,),
                ).fetchall()
        return [(str(n), str(t), str(d)) for n, t, d in rows]

    def count(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
