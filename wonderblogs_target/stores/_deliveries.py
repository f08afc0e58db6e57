"""Deliveries the site could not store, kept so that a person can apply them
again once the cause is mended.

Wonderblogs does not retry a publish: a 5xx leaves the article "ready to push"
in its dashboard until someone presses Re-Push there. When the article itself
was valid (it passed the contract's models) and only the site failed (a
database restarting, a page model changed under the import), the site has all
it needs to finish the job on its own. So the target hands the body to the
store's `DeliveryLog`, and `apply_again` later runs the same store with it.

The rules, each in one place:

* a body is kept only for a valid article the site failed to store (a 5xx);
  a refused delivery (4xx: a bad key, a bad field) keeps none, since applying
  it again could not succeed; the body is at most the endpoint's body limit;
* applying again validates the body with the same model, saves it through the
  same store, and records the outcome on the kept delivery; if it fails again,
  the new failure is kept as a delivery of its own, so the history reads in
  order and the newest is the one waiting;
* a delivery applied once is not applied again (its article is stored: any
  later version comes from Wonderblogs as a re-push).

The SQL stores keep these in a table of their own, ``wb_deliveries``, in the
store's database; the Markdown store in a SQLite file beside its index; the
Django app in its ``Delivery`` model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..errors import PublishRejected
from ._base import Store, numeric_id, post_identity

if TYPE_CHECKING:
    from ..models import PublishPayload
    from ._sql import Database

__all__ = [
    "APPLIED",
    "FAILED_AGAIN",
    "NOT_APPLICABLE",
    "Applied",
    "DeliveryLog",
    "KeptDelivery",
    "SQLDeliveryLog",
    "Unstored",
    "apply_again",
    "delivery_log_of",
    "describe_failure",
]

logger = logging.getLogger("wonderblogs_target.stores")

#: Outcomes of `apply_again`, which the commands turn into exit codes.
APPLIED = "applied"
FAILED_AGAIN = "failed again"
NOT_APPLICABLE = "not applicable"

# Long enough for any driver's message, short enough for a list on a terminal.
_ERROR_CHARS = 1000


def describe_failure(exc: BaseException) -> str:
    """What went wrong, for the person who will mend it: the exception's type
    and message, cut to a bounded length. It stays in the site's own log and
    database, never in an answer to the sender."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text if len(text) <= _ERROR_CHARS else text[: _ERROR_CHARS - 1] + "\u2026"


@dataclass(frozen=True)
class Unstored:
    """A POST the target answered without storing its article.

    ``body`` is set only for a valid article the site failed to store (the
    answer was 5xx); for a refused delivery it is ``None``.
    """

    status: int
    error: str
    body: bytes | None = None


@dataclass(frozen=True)
class KeptDelivery:
    """A delivery as the log keeps it."""

    id: str
    received_at: datetime
    status: int
    error: str
    body: bytes | None
    #: When it was applied again, and the status of that attempt.
    applied_at: datetime | None = None
    applied_status: int | None = None

    @property
    def waiting(self) -> bool:
        """True while it holds an article no one has applied again yet."""
        return self.body is not None and self.applied_at is None

    def article(self) -> tuple[str, str] | None:
        """The slug and locale of the kept article, if there is one."""
        payload = self.payload()
        return None if payload is None else post_identity(payload)

    def to_text(self) -> str:
        """Two lines for a terminal: id, time, status, article, state; the error."""
        article = self.article()
        name = "(no longer validates)" if article is None else f"{article[0]} ({article[1]})"
        state = "waiting" if self.waiting else "refused, nothing kept"
        if self.applied_at is not None:
            state = f"applied {self.applied_at:%Y-%m-%d %H:%M:%S} ({self.applied_status})"
        return (
            f"{self.id}  {self.received_at:%Y-%m-%d %H:%M:%S}  {self.status}  {name}  {state}\n"
            f"    {self.error}"
        )

    def to_record(self) -> dict[str, Any]:
        """The delivery as one JSON object (no body)."""
        article = self.article()
        return {
            "id": self.id,
            "received_at": self.received_at.isoformat(),
            "status": self.status,
            "slug": None if article is None else article[0],
            "locale": None if article is None else article[1],
            "waiting": self.waiting,
            "applied_status": self.applied_status,
            "error": self.error,
        }

    def payload(self) -> PublishPayload | None:
        if self.body is None:
            return None
        from pydantic import ValidationError

        from ..models import PublishPayload

        try:
            return PublishPayload.model_validate_json(self.body)
        except ValidationError:  # a model made stricter since it arrived
            return None


@runtime_checkable
class DeliveryLog(Protocol):
    """Where a store keeps what it could not store. A store offers one as its
    ``delivery_log`` attribute; the target then records into it."""

    def record(self, unstored: Unstored) -> str | None:
        """Keep ``unstored`` (or leave it out, if this log keeps only bodies);
        returns the new delivery's id, if one was kept."""
        ...

    def kept(self, *, waiting: bool = False, limit: int = 100) -> list[KeptDelivery]:
        """The newest kept deliveries first; ``waiting`` only those not applied yet."""
        ...

    def get(self, delivery_id: str) -> KeptDelivery | None: ...

    def mark_applied(self, delivery_id: str, status: int) -> None:
        """Note that the delivery was applied again, with the outcome's status."""
        ...

    def forget(self, older_than: timedelta, *, dry_run: bool = False) -> int:
        """Remove deliveries received longer ago than ``older_than`` that wait
        for nothing; returns how many (or would)."""
        ...


def delivery_log_of(store: object) -> DeliveryLog | None:
    """The store's delivery log, if it keeps one."""
    log = getattr(store, "delivery_log", None)
    return log if isinstance(log, DeliveryLog) else None


@dataclass(frozen=True)
class Applied:
    """What `apply_again` did: one of `APPLIED`, `FAILED_AGAIN`,
    `NOT_APPLICABLE`, a status, and a sentence for the person who asked."""

    outcome: str
    status: int
    message: str
    #: The delivery that holds the article again, when it failed again.
    kept_as: str | None = None

    @property
    def stored(self) -> bool:
        """True when the article is stored now."""
        return self.outcome == APPLIED

    @property
    def failed_again(self) -> bool:
        """True when the store was asked and failed (or refused) again."""
        return self.outcome == FAILED_AGAIN


def apply_again(store: Store, log: DeliveryLog, delivery_id: str) -> Applied:
    """Store the article kept with delivery ``delivery_id`` through ``store``,
    and record the outcome (see the module docstring for the rules)."""
    kept = log.get(delivery_id)
    if kept is None:
        return Applied(NOT_APPLICABLE, 404, f"no delivery {delivery_id!r} in the log")
    if kept.body is None:
        return Applied(
            NOT_APPLICABLE,
            409,
            f"delivery {delivery_id} keeps no article: it was refused ({kept.status}), "
            "and only an article the site failed to store is kept",
        )
    if kept.applied_at is not None:
        return Applied(
            NOT_APPLICABLE,
            409,
            f"delivery {delivery_id} was applied again at {kept.applied_at:%Y-%m-%d %H:%M:%S} "
            f"({kept.applied_status}); a newer version comes from Wonderblogs as a re-push",
        )
    from pydantic import ValidationError

    from ..models import PublishPayload

    try:
        payload = PublishPayload.model_validate_json(kept.body)
    except ValidationError as exc:
        return Applied(
            NOT_APPLICABLE, 422, f"the kept article no longer validates: {describe_failure(exc)}"
        )
    slug, locale = post_identity(payload)
    try:
        store.save(payload)
    except PublishRejected as exc:
        log.mark_applied(delivery_id, exc.status_code)
        return Applied(FAILED_AGAIN, exc.status_code, f"{slug} ({locale}) refused: {exc.message}")
    except Exception as exc:
        error = describe_failure(exc)
        logger.error("applying delivery %s again failed: %s", delivery_id, error)
        again = log.record(Unstored(500, error, kept.body))
        log.mark_applied(delivery_id, 500)
        where = f"; kept again as delivery {again}" if again else ""
        return Applied(FAILED_AGAIN, 500, f"{slug} ({locale}) not stored: {error}{where}", again)
    log.mark_applied(delivery_id, 200)
    return Applied(APPLIED, 200, f"{slug} ({locale}) stored from delivery {delivery_id}")


_TABLE = """
CREATE TABLE IF NOT EXISTS wb_deliveries (
    id {serial},
    received_at TEXT NOT NULL,
    status INTEGER NOT NULL,
    error TEXT NOT NULL,
    body TEXT,
    applied_at TEXT,
    applied_status INTEGER
);
"""
_COLUMNS = "id, received_at, status, error, body, applied_at, applied_status"


class SQLDeliveryLog:
    """Kept bodies in ``wb_deliveries`` of a `Database` (times as ISO text, the
    same in every dialect). It keeps bodies only: a refused delivery is in the
    request log, and nothing here could apply it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        database.script(_TABLE.format(serial=database.serial))

    @staticmethod
    def _now() -> str:
        return datetime.now(timezone.utc).isoformat(timespec="microseconds")

    def record(self, unstored: Unstored) -> str | None:
        if unstored.body is None:
            return None
        with self.database.transaction() as db:
            new = self.database.insert_id(
                db,
                "INSERT INTO wb_deliveries (received_at, status, error, body) VALUES (?, ?, ?, ?)",
                (self._now(), unstored.status, unstored.error, unstored.body.decode()),
            )
        return str(new)

    @staticmethod
    def _delivery(row: Any) -> KeptDelivery:
        ident, received, status, error, body, applied, applied_status = row
        return KeptDelivery(
            id=str(ident),
            received_at=datetime.fromisoformat(received),
            status=int(status),
            error=error,
            body=None if body is None else body.encode(),
            applied_at=None if applied is None else datetime.fromisoformat(applied),
            applied_status=applied_status,
        )

    def kept(self, *, waiting: bool = False, limit: int = 100) -> list[KeptDelivery]:
        where = " WHERE body IS NOT NULL AND applied_at IS NULL" if waiting else ""
        query = f"SELECT {_COLUMNS} FROM wb_deliveries{where} ORDER BY id DESC LIMIT ?"  # noqa: S608
        rows = self.database.fetch(query, (limit,))
        return [self._delivery(row) for row in rows]

    def get(self, delivery_id: str) -> KeptDelivery | None:
        ident = numeric_id(delivery_id)
        if ident is None:
            return None
        query = f"SELECT {_COLUMNS} FROM wb_deliveries WHERE id = ?"  # noqa: S608
        rows = self.database.fetch(query, (ident,))
        return self._delivery(rows[0]) if rows else None

    def mark_applied(self, delivery_id: str, status: int) -> None:
        with self.database.transaction() as db:
            db.execute(
                self.database.sql(
                    "UPDATE wb_deliveries SET applied_at = ?, applied_status = ? WHERE id = ?"
                ),
                (self._now(), status, int(delivery_id)),
            )

    def forget(self, older_than: timedelta, *, dry_run: bool = False) -> int:
        cutoff = (datetime.now(timezone.utc) - older_than).isoformat(timespec="microseconds")
        # A delivery still waiting stays, whatever its age: it is an article.
        which = (
            "FROM wb_deliveries WHERE received_at < ? "
            "AND NOT (body IS NOT NULL AND applied_at IS NULL)"
        )
        return self.database.remove_rows(which, (cutoff,), dry_run=dry_run)
