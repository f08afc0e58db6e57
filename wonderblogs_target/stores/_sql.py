"""The SQL layer: a `Database` (one connection per thread, a write
transaction holding named locks, a read, the driver's parameter marker) that
each dialect supplies, and on it the save algorithm shared by the SQL stores.
The SQL replay guard uses a `Database` too, without any of the stores' tables.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timezone
from typing import Any

from ..errors import PublishRejected
from ..models import PublishPayload
from ._base import (
    CHECK_SLUG_PREFIX,
    DEFAULT_REVISIONS,
    RECENT_LIMIT,
    StoredPost,
    numeric_id,
    post_identity,
    recent_list,
    revision_made_old,
)

__all__ = ["SQLStore"]

COLUMNS = "id, payload, published_at, updated_at, revision"
#: What a save reads of the current row: never its payload, which the
#: revision it becomes copies inside the database (`SQLStore._replace`).
CURRENT = "id, published_at, revision, slug, locale, external_id, title"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS wb_posts (
    id {serial},
    slug TEXT NOT NULL,
    locale TEXT NOT NULL,
    external_id TEXT,
    title TEXT NOT NULL,
    payload {json} NOT NULL,
    published_at {time} NOT NULL,
    updated_at {time} NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    UNIQUE (slug, locale)
);
CREATE INDEX IF NOT EXISTS wb_posts_external_id ON wb_posts (external_id);
CREATE INDEX IF NOT EXISTS wb_posts_published ON wb_posts (published_at);
CREATE TABLE IF NOT EXISTS wb_revisions (
    post_id {reference} NOT NULL REFERENCES wb_posts (id),
    revision INTEGER NOT NULL,
    payload {json} NOT NULL,
    saved_at {time} NOT NULL,
    PRIMARY KEY (post_id, revision)
);
"""


def schema(*, serial: str, reference: str, json: str, time: str) -> str:
    """The tables of every SQL store, in one dialect's column types. The slug
    and locale columns hold the NFC forms (`post_identity`); the payload
    column holds the article exactly as received."""
    return _SCHEMA.format(serial=serial, reference=reference, json=json, time=time)


class Database(ABC):
    """A database named by a URL, as the SQL stores and the SQL replay guard
    use it. Each thread keeps its own connection (callbacks run in worker
    threads); `close` closes them all."""

    #: Where it is, with any password removed (for logs and errors).
    location: str
    #: Parameter marker of the driver; queries are written with ``?``.
    marker = "?"
    #: The column type of an id the database numbers itself.
    serial = "BIGSERIAL PRIMARY KEY"

    def __init__(self) -> None:
        self._local = threading.local()
        self._connections: list[Any] = []
        self._connections_lock = threading.Lock()

    def _cached_connection(self) -> Any:
        return getattr(self._local, "db", None)

    def _keep(self, db: Any) -> None:
        self._local.db = db
        with self._connections_lock:
            self._connections.append(db)

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    @abstractmethod
    @contextmanager
    def transaction(self, *lock_keys: str) -> Iterator[Any]:
        """A connection in a write transaction that holds the given locks."""

    @abstractmethod
    def fetch(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of one read (``query`` written with ``?``), as one
        statement: no transaction is begun and ended around it, which would
        cost a read two more round trips to a database server."""

    @abstractmethod
    def script(self, statements: str) -> None:
        """Run ``statements`` (a schema, say) in one transaction."""

    def sql(self, query: str) -> str:
        """``query`` written with ``?`` markers, in the driver's own marker."""
        return query.replace("?", self.marker)

    def batched(self, db: Any) -> AbstractContextManager[Any]:
        """Statements run inside are sent together where the driver can (a
        PostgreSQL pipeline), their errors raised at the end: what a write
        holding a lock spends on round trips to the server."""
        return nullcontext()

    def remove_rows(self, which: str, params: Sequence[Any], *, dry_run: bool = False) -> int:
        """Delete the rows ``which`` names (``FROM table WHERE ...``, written
        with ``?``), or in a dry run count them; how many (would) go. What the
        prune commands do to the delivery log and the job queue."""
        with self.transaction() as db:
            if dry_run:
                row = db.execute(self.sql(f"SELECT COUNT(*) {which}"), params)
                return int(row.fetchone()[0])
            cursor = db.execute(self.sql(f"DELETE {which}"), params)
            return int(cursor.rowcount)

    def insert_id(self, db: Any, query: str, params: Sequence[Any]) -> int:
        """Run an ``INSERT`` (written with ``?``) and return the new row's ``id``."""
        return int(db.execute(self.sql(f"{query} RETURNING id"), params).fetchone()[0])


class SQLStore(ABC):
    """Posts in ``wb_posts`` (one current row per slug and locale) and their
    earlier versions in ``wb_revisions``, in a `Database`."""

    database: Database
    location: str
    integrity_errors: tuple[type[Exception], ...] = ()
    #: Earlier versions kept of each post (`DEFAULT_REVISIONS`).
    revisions_kept: int = DEFAULT_REVISIONS

    def close(self) -> None:
        self.database.close()

    def _is_slug_conflict(self, exc: Exception) -> bool:
        """True for the unique (slug, locale) violation, not for any other failure."""
        return False

    def transaction(self, *lock_keys: str) -> AbstractContextManager[Any]:
        return self.database.transaction(*lock_keys)

    def fetch(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.database.fetch(query, params)

    @abstractmethod
    def _insert(self, db: Any, values: Sequence[Any]) -> int:
        """Insert a post row; return its id."""

    def sql(self, query: str) -> str:
        return self.database.sql(query)

    def _one(self, db: Any, query: str, params: Sequence[Any]) -> Any:
        return db.execute(self.sql(query), params).fetchone()

    @staticmethod
    def _now() -> datetime:
        return datetime.now(timezone.utc)

    def _row(self, row: Sequence[Any]) -> StoredPost:
        ident, payload, published, updated, revision = row
        if isinstance(payload, str | bytes):
            payload = json.loads(payload)
        return StoredPost(
            id=str(ident),
            payload=PublishPayload.model_validate(payload),
            published_at=self._time(published),
            updated_at=self._time(updated),
            revision=int(revision),
        )

    @staticmethod
    def _time(value: Any) -> datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)

    def _stamp(self, value: datetime) -> Any:
        return value

    def save(self, payload: PublishPayload) -> StoredPost:
        document = payload.model_dump_json(exclude_none=True)
        now = self._now()
        slug, locale = post_identity(payload)
        locks = ["post:" + json.dumps([slug, locale])]
        if payload.is_update and payload.external_id:
            locks.insert(0, f"external:{payload.external_id}")
        try:
            with self.transaction(*locks) as db:
                current = None
                if payload.is_update and payload.external_id:
                    current = self._one(
                        db,
                        f"SELECT {CURRENT} FROM wb_posts WHERE external_id = ? ORDER BY id LIMIT 1",
                        (payload.external_id,),
                    )
                if current is None:
                    current = self._one(
                        db,
                        f"SELECT {CURRENT} FROM wb_posts WHERE slug = ? AND locale = ?",
                        (slug, locale),
                    )
                columns = {
                    "slug": slug,
                    "locale": locale,
                    "external_id": payload.external_id,
                    "title": payload.title,
                }
                if current is None:
                    values = (*columns.values(), document, self._stamp(now), self._stamp(now))
                    ident = self._insert(db, values)
                    return StoredPost(str(ident), payload, now, now, 1)
                ident, published, revision, *written = current
                # Only the columns that changed: slug, locale and external id
                # are indexed, and an UPDATE naming one rewrites its entry.
                changed = {
                    name: value
                    for (name, value), old in zip(columns.items(), written, strict=True)
                    if value != old
                }
                with self.database.batched(db):
                    self._replace(db, ident, revision, changed, document, now)
                return StoredPost(str(ident), payload, self._time(published), now, revision + 1)
        except self.integrity_errors as exc:
            if not self._is_slug_conflict(exc):
                raise
            # A rewrite that moves a post onto another post's slug and locale.
            raise PublishRejected(
                f"slug {payload.slug!r} ({payload.locale}) belongs to another post",
                status_code=409,
            ) from exc

    def _replace(
        self,
        db: Any,
        ident: int,
        revision: int,
        changed: dict[str, Any],
        document: str,
        now: datetime,
    ) -> None:
        """Keep the current version as a revision, drop the one past the
        setting and write the new one: three statements sent as one batch
        (one when the setting keeps no revisions).
        The current version is copied inside the database: reading it out
        and writing it back would cost a decode, an encode and the memory of
        a second article for every re-push."""
        if self.revisions_kept:
            db.execute(
                self.sql(
                    "INSERT INTO wb_revisions (post_id, revision, payload, saved_at) "
                    "SELECT id, revision, payload, ? FROM wb_posts WHERE id = ?"
                ),
                (self._stamp(now), ident),
            )
            # The one this write made old goes in the same transaction, by number.
            db.execute(
                self.sql("DELETE FROM wb_revisions WHERE post_id = ? AND revision = ?"),
                (ident, revision_made_old(revision, self.revisions_kept)),
            )
        # The names are the store's own columns, never input.
        assigned = "".join(f"{name} = ?, " for name in changed)
        db.execute(
            self.sql(
                f"UPDATE wb_posts SET {assigned}payload = ?, updated_at = ?, revision = ? "
                "WHERE id = ?"
            ),
            (*changed.values(), document, self._stamp(now), revision + 1, ident),
        )

    def recent(self, limit: int = RECENT_LIMIT) -> list[StoredPost]:
        rows = self.fetch(
            f"SELECT {COLUMNS} FROM wb_posts ORDER BY published_at DESC, id DESC LIMIT ?", (limit,)
        )
        return [self._row(row) for row in rows]

    #: The dialect's expression for the payload's ``description``: the context
    #: reads the title column (written with the payload, in the same statement)
    #: and this one field of the newest posts, never their whole documents.
    description_sql = "json_extract(payload, '$.description')"

    def recent_articles(self, limit: int = RECENT_LIMIT) -> list[dict[str, str]]:
        rows = self.fetch(
            f"SELECT title, {self.description_sql} FROM wb_posts "
            "WHERE substr(slug, 1, ?) <> ? ORDER BY published_at DESC, id DESC LIMIT ?",
            (len(CHECK_SLUG_PREFIX), CHECK_SLUG_PREFIX, limit),
        )
        return recent_list((str(title), str(description)) for title, description in rows)

    def get(self, post_id: str) -> StoredPost | None:
        ident = numeric_id(post_id)
        if ident is None:
            return None
        rows = self.fetch(f"SELECT {COLUMNS} FROM wb_posts WHERE id = ?", (ident,))
        return self._row(rows[0]) if rows else None

    def find(self, slug: str, locale: str) -> StoredPost | None:
        identity = tuple(unicodedata.normalize("NFC", part) for part in (slug, locale))
        rows = self.fetch(f"SELECT {COLUMNS} FROM wb_posts WHERE slug = ? AND locale = ?", identity)
        return self._row(rows[0]) if rows else None

    def revisions(self, post_id: str) -> list[StoredPost]:
        ident = numeric_id(post_id)
        if ident is None:
            return []
        rows = self.fetch(
            "SELECT post_id, payload, saved_at, saved_at, revision FROM wb_revisions "
            "WHERE post_id = ? ORDER BY revision DESC",
            (ident,),
        )
        return [self._row(row) for row in rows]

    def revision_count(self, post_id: str) -> int:
        ident = numeric_id(post_id)
        if ident is None:
            return 0
        [(count,)] = self.fetch("SELECT COUNT(*) FROM wb_revisions WHERE post_id = ?", (ident,))
        return int(count)

    def count(self) -> int:
        [(count,)] = self.fetch("SELECT COUNT(*) FROM wb_posts")
        return int(count)

    def trim_revisions(self, *, dry_run: bool = False) -> int:
        beyond = (
            "FROM wb_revisions WHERE revision <= "
            "(SELECT p.revision FROM wb_posts p WHERE p.id = wb_revisions.post_id) - 1 - ?"
        )
        with self.transaction("trim") as db:
            if dry_run:
                return int(
                    db.execute(
                        self.sql(f"SELECT COUNT(*) {beyond}"), (self.revisions_kept,)
                    ).fetchone()[0]
                )
            return int(db.execute(self.sql(f"DELETE {beyond}"), (self.revisions_kept,)).rowcount)

    def remove(self, post_id: str) -> bool:
        ident = numeric_id(post_id)
        if ident is None:
            return False
        rows = self.fetch("SELECT slug, locale FROM wb_posts WHERE id = ?", (ident,))
        if not rows:
            return False
        row = rows[0]
        # The lock a save of the same post takes: no re-push runs halfway meanwhile.
        with self.transaction("post:" + json.dumps([row[0], row[1]])) as db:
            db.execute(self.sql("DELETE FROM wb_revisions WHERE post_id = ?"), (ident,))
            cursor = db.execute(self.sql("DELETE FROM wb_posts WHERE id = ?"), (ident,))
            return bool(cursor.rowcount == 1)
