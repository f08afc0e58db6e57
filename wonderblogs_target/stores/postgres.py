"""PostgreSQL store: for several server instances behind a load balancer.

Concurrent pushes of one post, from any instance, are serialised by
transaction-scoped advisory locks on the post's identity (its slug and
locale, and its external id for rewrites), so exactly one current row
remains and every earlier version lands in ``wb_revisions``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import Any

from .._extras import missing_extra
from ..errors import ConfigurationError
from ._base import DEFAULT_REVISIONS, opened, redact_url, revisions_kept
from ._deliveries import SQLDeliveryLog
from ._sql import Database, SQLStore, schema

try:
    import psycopg
except ImportError as exc:  # pragma: no cover
    raise missing_extra("psycopg", "postgres") from exc

__all__ = ["PostgresDatabase", "PostgresStore"]

#: libpq 14 and later send statements in a pipeline (psycopg's binary wheel
#: carries a newer one); an older system libpq sends them one by one.
_PIPELINES = psycopg.Pipeline.is_supported()

SCHEMA = schema(
    serial="BIGSERIAL PRIMARY KEY", reference="BIGINT", json="JSONB", time="TIMESTAMPTZ"
)


class PostgresDatabase(Database):
    """The PostgreSQL database a ``postgresql://`` URL names. The locks of a
    transaction are transaction-scoped advisory locks on their names."""

    marker = "%s"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.location = redact_url(url)

    def script(self, statements: str) -> None:
        try:
            with self.transaction("schema") as db:
                db.execute(statements)
        except psycopg.OperationalError as exc:
            raise ConfigurationError(f"cannot reach PostgreSQL at {self.location}: {exc}") from None

    def _connection(self) -> tuple[psycopg.Connection[Any], bool]:
        """This thread's connection, and whether it was made just now."""
        db: psycopg.Connection[Any] | None = self._cached_connection()
        if db is None or db.closed or db.broken:
            # Autocommit: a read is one statement; a write begins its own
            # transaction (`_begun`).
            db = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            self._keep(db)
            return db, True
        return db, False

    @contextmanager
    def _begun(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection in a begun transaction.

        A kept connection can be dead without knowing it: the server restarted,
        or a proxy dropped it. Beginning the transaction is the first thing sent,
        so a connection that fails there is replaced once by a fresh one, before
        any of the request's work ran; a fresh connection that fails is the
        server's real answer and goes to the caller (the target answers 5xx).
        """
        for retry in (False, True):
            db, fresh = self._connection()
            stack = ExitStack()
            try:
                stack.enter_context(db.transaction())
            except psycopg.OperationalError:
                stack.close()
                db.close()
                if fresh or retry:
                    raise
                continue
            with stack:
                yield db
            return

    @contextmanager
    def transaction(self, *lock_keys: str) -> Iterator[psycopg.Connection[Any]]:
        with self._begun() as db:
            # Several locks go in one round trip; none or one needs no pipeline,
            # whose closing sync would be a round trip of its own.
            with self.batched(db) if len(lock_keys) > 1 else nullcontext():
                for key in lock_keys:
                    db.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))
            yield db

    def batched(self, db: Any) -> AbstractContextManager[Any]:
        return db.pipeline() if _PIPELINES else nullcontext()

    def fetch(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        """One statement on this thread's connection. A kept connection that
        turns out dead (the server restarted) is replaced once, as in
        `_begun`: a read is safe to send again."""
        for retry in (False, True):
            db, fresh = self._connection()
            try:
                return db.execute(self.sql(query), params).fetchall()
            except psycopg.OperationalError:
                db.close()
                if fresh or retry:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


class PostgresStore(SQLStore):
    """Posts in the database a ``postgresql://`` URL names (tables created if missing)."""

    integrity_errors = (psycopg.errors.UniqueViolation,)
    description_sql = "payload->>'description'"

    def __init__(self, url: str, *, revisions: int = DEFAULT_REVISIONS) -> None:
        self.revisions_kept = revisions_kept(revisions)
        self.database = PostgresDatabase(url)
        self.url = url
        self.location = self.database.location
        self.database.script(SCHEMA)
        self.delivery_log = SQLDeliveryLog(self.database)
        opened("PostgreSQL", self.location)

    def _is_slug_conflict(self, exc: Exception) -> bool:
        diag = getattr(exc, "diag", None)
        return getattr(diag, "constraint_name", None) == "wb_posts_slug_locale_key"

    def _insert(self, db: Any, values: Sequence[Any]) -> int:
        row = db.execute(
            "INSERT INTO wb_posts (slug, locale, external_id, title, payload, published_at, "
            "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            values,
        ).fetchone()
        return int(row[0])
