"""Replay guards: a signed callback handled once, however often it is delivered.

Wonderblogs retries a callback that got no 2xx (up to three times), and a
retry can arrive while the first delivery is still being handled. A guard
remembers handled events and *claims* an event while it is in hand, so that
``on_event`` runs once per event. Which guard:

* [`MemoryReplayGuard`][wonderblogs_target.callbacks.replay.MemoryReplayGuard],
  the receivers' default: one process.
* [`SQLReplayGuard`][wonderblogs_target.callbacks.replay.SQLReplayGuard]: a
  SQLite file for the workers of one machine, or PostgreSQL for several
  machines (a store URL works as it is).
* [`RedisReplayGuard`][wonderblogs_target.callbacks.replay.RedisReplayGuard]:
  Redis, for any number of workers and machines.

A claim is a lease of ``claim_ttl`` seconds that the worker handling the
event renews while ``on_event`` runs (``renew``, five times per lease). So a
handler may take as long as it needs, and a claim whose worker died (killed
mid-handler) lapses within ``claim_ttl``: the sender's retries come 1, 2 and
4 s apart, and the last of them, 7 s after the first failed, finds the event
free and handles it. Handled events are remembered for ``ttl``
seconds (a day: far past the sender's last retry).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, cast

from ..errors import ConfigurationError
from .events import CallbackEvent

__all__ = [
    "ClaimingReplayGuard",
    "MemoryReplayGuard",
    "RedisReplayGuard",
    "ReplayGuard",
    "SQLReplayGuard",
    "claiming",
    "event_key",
    "kept",
    "open_replay_guard",
    "renewing",
]

logger = logging.getLogger("wonderblogs_target")

#: How long a handled event is remembered.
DEFAULT_TTL = 24 * 3600.0
#: How long a claim holds unless renewed. A killed worker's claim must lapse
#: before the sender's last retry, 7 s after the delivery that failed (retries
#: 1, 2 and 4 s apart). The handling worker renews it five times as often, so
#: a heartbeat may be late by four beats before the claim lapses under it.
DEFAULT_CLAIM_TTL = 5.0


def _check_ttls(ttl: float, claim_ttl: float) -> None:
    if not ttl > 0 or not claim_ttl > 0:
        raise ConfigurationError("ttl and claim_ttl must be positive numbers of seconds")


class ReplayGuard(Protocol):
    """Remembers handled events so a retried delivery is not handled twice."""

    def seen(self, key: str) -> bool: ...

    def remember(self, key: str) -> None: ...


class ClaimingReplayGuard(ReplayGuard, Protocol):
    """A replay guard that also stops two deliveries of one event running at once.

    ``seen`` then ``remember`` leaves a gap: a retry that arrives while the first
    delivery is still in ``on_event`` (the sender timed out on it) passes
    ``seen`` too. ``claim`` closes the gap: check and mark in one step.
    """

    def claim(self, key: str) -> bool:
        """True when the caller may handle ``key`` now: not handled, not in hand."""
        ...

    def release(self, key: str) -> None:
        """Drop a claim whose handling failed, so that the retry is handled."""
        ...


def renewing(guard: ClaimingReplayGuard) -> Callable[[str], None] | None:
    """The guard's ``renew(key)``, which extends a claim still in hand (never a
    handled mark); None for a guard whose claims do not lapse."""
    renew = getattr(guard, "renew", None)
    return renew if callable(renew) else None


@contextmanager
def kept(guard: ClaimingReplayGuard, key: str) -> Iterator[None]:
    """Renew the claim on ``key`` while inside, five times per ``claim_ttl``: a
    heartbeat of the worker handling it, which stops when the worker does."""
    renew = renewing(guard)
    if renew is None:
        yield
        return
    every = getattr(guard, "claim_ttl", DEFAULT_CLAIM_TTL) / 5
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                renew(key)
            except Exception:  # the guard's store is down: the next beat tries again
                logger.exception("could not renew a claim")

    threading.Thread(target=beat, name=f"wonderblogs-claim {key}", daemon=True).start()
    try:
        yield
    finally:
        stop.set()


class MemoryReplayGuard:
    """A bounded, thread-safe, in-process replay guard that claims events.

    Enough for one process, and the receivers' default; with several workers,
    use [`SQLReplayGuard`][wonderblogs_target.callbacks.replay.SQLReplayGuard] or
    [`RedisReplayGuard`][wonderblogs_target.callbacks.replay.RedisReplayGuard].
    """

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1 or ttl <= 0:
            raise ConfigurationError("max_entries and ttl must be positive")
        self._entries: OrderedDict[str, float] = OrderedDict()
        self._max_entries = max_entries
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._in_hand: set[str] = set()
        _warn_if_among_workers(os.getpid())

    def _seen(self, key: str) -> bool:
        stamp = self._entries.get(key)
        return stamp is not None and self._clock() - stamp <= self._ttl

    def seen(self, key: str) -> bool:
        with self._lock:
            return self._seen(key)

    def claim(self, key: str) -> bool:
        # Again in each process that claims: a server that built the app before
        # forking its workers (gunicorn --preload) built this guard only once.
        _warn_if_among_workers(os.getpid())
        with self._lock:
            if key in self._in_hand or self._seen(key):
                return False
            self._in_hand.add(key)
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._in_hand.discard(key)

    def remember(self, key: str) -> None:
        with self._lock:
            self._in_hand.discard(key)
            self._entries[key] = self._clock()
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)


@functools.cache  # once per process: ``pid`` tells a forked child from its parent
def _warn_if_among_workers(pid: int) -> None:
    """Say so when sibling processes (the workers of one server: gunicorn -w,
    uvicorn --workers) each keep a memory guard: each remembers only what it
    handled, so a retry that reaches another worker runs ``on_event`` again.

    Each process notes its id in a folder named by its parent's; a live id
    other than its own there is a sibling that did the same.
    """
    import tempfile
    from pathlib import Path

    try:
        folder = Path(tempfile.gettempdir()) / f"wonderblogs-{os.getuid()}" / f"{os.getppid()}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / str(pid)).touch()
        siblings = []
        for entry in folder.iterdir():
            other = int(entry.name) if entry.name.isdigit() else 0
            if other in (0, pid):
                continue
            try:
                os.kill(other, 0)
            except ProcessLookupError:
                entry.unlink(missing_ok=True)  # a worker that has ended
                continue
            except PermissionError:
                pass  # alive, another user's
            siblings.append(other)
    except (OSError, AttributeError):  # no writable temporary folder; no getuid
        return
    if siblings:
        logger.warning(
            "process %d and %d other worker(s) of the same server each keep their own "
            "memory replay guard, so a retried callback that reaches another worker is "
            "handled again; give every worker one shared guard: replay_guard="
            '"sqlite:///replay.db" (one machine), "postgresql://..." or "redis://..."',
            pid,
            len(siblings),
        )


def claiming(guard: ReplayGuard | None) -> ClaimingReplayGuard | None:
    """The guard, when it can claim events (a guard of seen/remember only cannot)."""
    if callable(getattr(guard, "claim", None)) and callable(getattr(guard, "release", None)):
        return cast(ClaimingReplayGuard, guard)
    return None


def event_key(event: CallbackEvent) -> str:
    """A stable identity of an event: its type and its run or job id."""
    ident = getattr(event, "run_id", None) or getattr(event, "job_id", "")
    return f"{event.event}:{ident}"


class SQLReplayGuard:
    """Events in a table ``wb_replay`` of a SQLite file or a PostgreSQL database,
    named by a store URL (``sqlite:///guard.db``, ``postgresql://...``).

    A claim is an insert on the event's unique key, so of several workers, on
    one machine or many, exactly one wins it.
    """

    def __init__(
        self, url: str, *, ttl: float = DEFAULT_TTL, claim_ttl: float = DEFAULT_CLAIM_TTL
    ) -> None:
        from ..stores import open_database

        _check_ttls(ttl, claim_ttl)
        self._db = open_database(url)
        self.ttl, self.claim_ttl = ttl, claim_ttl
        self.location = self._db.location
        self._db.script(
            "CREATE TABLE IF NOT EXISTS wb_replay (key TEXT PRIMARY KEY, "
            "handled BOOLEAN NOT NULL, expires_at DOUBLE PRECISION NOT NULL)"
        )
        logger.info("replay guard at %s", self.location)

    def claim(self, key: str) -> bool:
        now = time.time()
        with self._db.transaction(f"replay:{key}") as db:
            db.execute(
                self._db.sql("DELETE FROM wb_replay WHERE key = ? AND expires_at < ?"), (key, now)
            )
            cursor = db.execute(
                self._db.sql(
                    "INSERT INTO wb_replay (key, handled, expires_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO NOTHING"
                ),
                (key, False, now + self.claim_ttl),
            )
            return bool(cursor.rowcount == 1)

    def release(self, key: str) -> None:
        with self._db.transaction(f"replay:{key}") as db:
            db.execute(self._db.sql("DELETE FROM wb_replay WHERE key = ? AND NOT handled"), (key,))

    def renew(self, key: str) -> None:
        with self._db.transaction(f"replay:{key}") as db:
            db.execute(
                self._db.sql("UPDATE wb_replay SET expires_at = ? WHERE key = ? AND NOT handled"),
                (time.time() + self.claim_ttl, key),
            )

    def remember(self, key: str) -> None:
        expires = time.time() + self.ttl
        with self._db.transaction(f"replay:{key}") as db:
            db.execute(
                self._db.sql(
                    "INSERT INTO wb_replay (key, handled, expires_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET handled = ?, expires_at = ?"
                ),
                (key, True, expires, True, expires),
            )

    def seen(self, key: str) -> bool:
        rows = self._db.fetch(
            "SELECT handled FROM wb_replay WHERE key = ? AND expires_at >= ?", (key, time.time())
        )
        return bool(rows and rows[0][0])

    def close(self) -> None:
        self._db.close()


class RedisReplayGuard:
    """Events as Redis keys: a claim is ``SET NX`` with the claim's expiry,
    remembering is ``SET`` with the long one; Redis expires both by itself.

    Takes a URL (``redis://host:6379/0``) or a ``redis.Redis`` client of yours
    (the ``redis`` extra).
    """

    _CLAIMED, _HANDLED = b"claimed", b"handled"
    # Delete or extend the key only while it is still a claim (never a handled mark).
    _RELEASE = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end "
        "return 0"
    )
    _RENEW = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
    )

    def __init__(
        self,
        url_or_client: Any,
        *,
        ttl: float = DEFAULT_TTL,
        claim_ttl: float = DEFAULT_CLAIM_TTL,
        prefix: str = "wonderblogs:replay:",
    ) -> None:
        _check_ttls(ttl, claim_ttl)
        if isinstance(url_or_client, str):
            try:
                import redis
            except ImportError as exc:
                from .._extras import missing_extra

                raise missing_extra("redis", "redis") from exc
            url_or_client = redis.Redis.from_url(url_or_client)
        self._redis = url_or_client
        self.ttl, self.claim_ttl = ttl, claim_ttl
        self.ttl_ms, self.claim_ttl_ms = int(ttl * 1000), int(claim_ttl * 1000)
        self.prefix = prefix
        self._release = self._redis.register_script(self._RELEASE)
        self._renew = self._redis.register_script(self._RENEW)

    def claim(self, key: str) -> bool:
        claimed = self._redis.set(self.prefix + key, self._CLAIMED, nx=True, px=self.claim_ttl_ms)
        return bool(claimed)

    def release(self, key: str) -> None:
        self._release(keys=[self.prefix + key], args=[self._CLAIMED])

    def renew(self, key: str) -> None:
        self._renew(keys=[self.prefix + key], args=[self._CLAIMED, self.claim_ttl_ms])

    def remember(self, key: str) -> None:
        self._redis.set(self.prefix + key, self._HANDLED, px=self.ttl_ms)

    def seen(self, key: str) -> bool:
        return bool(self._redis.get(self.prefix + key) == self._HANDLED)

    def close(self) -> None:
        self._redis.close()


def open_replay_guard(url: str) -> ReplayGuard:
    """The guard a URL names: ``memory``, ``sqlite:///file.db``,
    ``postgresql://...`` or ``redis://...``."""
    if url == "memory":
        return MemoryReplayGuard()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisReplayGuard(url)
    if url.startswith(("sqlite:", "postgresql:", "postgres:")):
        return SQLReplayGuard(url)
    from ..stores import redact_url

    raise ConfigurationError(
        f"unknown replay guard {redact_url(url)!r}; use memory, sqlite:///file.db, "
        "postgresql://... or redis://..."
    )
