"""SQLite store: one file, no server; the default.

WAL mode lets the inbox read while a push writes, and ``BEGIN IMMEDIATE``
takes the write lock up front, so concurrent pushes of one post queue up
instead of racing. A killed process leaves the last committed state.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from ._base import DEFAULT_REVISIONS, absolute, opened, revisions_kept
from ._deliveries import SQLDeliveryLog
from ._sql import Database, SQLStore, schema

__all__ = ["SQLiteDatabase", "SQLiteStore", "connect", "run_script"]

SCHEMA = schema(
    serial="INTEGER PRIMARY KEY AUTOINCREMENT", reference="INTEGER", json="TEXT", time="TEXT"
)


def _check_folder(path: Path, location: str) -> None:
    """The database's folder must exist and be writable: SQLite creates the
    file, and this store never creates folders it was not asked for (a typo in
    ``sqlite:////data/x.db`` would otherwise make ``/data`` at the root)."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise ConfigurationError(
            f"cannot open SQLite file {location}: {absolute(folder)} is a file, not a folder"
        )
    if not folder.is_dir():
        raise ConfigurationError(
            f"cannot open SQLite file {location}: the folder {absolute(folder)} does not "
            "exist (create it, or name a file in a folder that does)"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        # Also for a file that exists: SQLite writes its journal beside it.
        verb = "open" if path.exists() else "create"
        raise ConfigurationError(
            f"cannot {verb} SQLite file {location}: the folder {absolute(folder)} is not "
            "writable by this process (SQLite writes its journal beside the file)"
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise ConfigurationError(
            f"cannot open SQLite file {location}: the file is not writable by this process"
        )


def _enter_wal(db: sqlite3.Connection) -> None:
    """Put the file in WAL mode, waiting for another process doing the same.

    While one connection changes a file's journal mode, SQLite answers the
    others "database is locked" at once, without its busy handler: several
    processes opening a new file together (workers of one server) would fail
    without this wait, bounded like the connection's own (30 s).
    """
    deadline = time.monotonic() + 30
    pause = 0.001
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection to the SQLite file at ``path`` in WAL mode, in autocommit
    (transactions are begun explicitly), waiting up to 30 s for a lock: how
    every SQLite file of the package is opened (stores, indexes, guards)."""
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    _enter_wal(db)
    return db


def run_script(db: sqlite3.Connection, statements: str) -> None:
    """Run ``statements`` (a schema) in one write transaction, begun IMMEDIATE:
    run statement by statement, a process creating the tables could start a
    read that another process's schema makes stale, and SQLite answers such a
    read turned write "database is locked" at once, without waiting."""
    try:
        db.executescript(f"BEGIN IMMEDIATE;\n{statements};\nCOMMIT;")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


class SQLiteDatabase(Database):
    """One SQLite file at ``path``, in WAL mode with full syncs; its folder must
    exist and be writable (SQLite creates the file, never the folder)."""

    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        # Threads of this process take turns here, woken as soon as the writer
        # before them commits; only other processes meet SQLite's busy handler,
        # which sleeps in steps of up to 100 ms before it looks again.
        self._writer = threading.Lock()
        self.path = str(path)
        self.location = self.path if self.path == ":memory:" else absolute(self.path)
        if self.path != ":memory:":
            _check_folder(Path(self.path), self.location)

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = self._cached_connection()
        if db is None:
            db = connect(self.path)
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            self._keep(db)
        return db

    def script(self, statements: str) -> None:
        try:
            db = self._connection()
            with self._writer:
                run_script(db, statements)
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigurationError(f"cannot open SQLite file {self.location}: {reason}") from None

    def insert_id(self, db: Any, query: str, params: Sequence[Any]) -> int:
        return int(db.execute(query, params).lastrowid)

    @contextmanager
    def transaction(self, *lock_keys: str) -> Iterator[sqlite3.Connection]:
        # One writer at a time for the whole file: the locks are implied.
        db = self._connection()
        with self._writer:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def fetch(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._connection().execute(query, params).fetchall()


class SQLiteStore(SQLStore):
    """Posts in one SQLite file at ``path`` (its folder must exist)."""

    integrity_errors = (sqlite3.IntegrityError,)

    def __init__(self, path: str | Path, *, revisions: int = DEFAULT_REVISIONS) -> None:
        self.revisions_kept = revisions_kept(revisions)
        self.database = SQLiteDatabase(path)
        self.path = self.database.path
        self.location = self.database.location
        self.database.script(SCHEMA)
        self.delivery_log = SQLDeliveryLog(self.database)
        opened("SQLite", self.location)

    def _is_slug_conflict(self, exc: Exception) -> bool:
        return "UNIQUE constraint failed: wb_posts.slug" in str(exc)

    def _stamp(self, value: datetime) -> Any:
        return value.isoformat(timespec="microseconds")

    def _insert(self, db: Any, values: Sequence[Any]) -> int:
        cursor = db.execute(
            "INSERT INTO wb_posts (slug, locale, external_id, title, payload, published_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        return int(cursor.lastrowid)
