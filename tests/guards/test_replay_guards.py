"""The replay-guard suite: every guard (memory, SQLite, PostgreSQL and Redis,
real servers) claims, remembers and releases alike; the shared ones hold across
processes: four receivers given one event at the same moment run on_event once,
a failed handler's event is handled on the retry, and a claim whose process was
killed expires."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from wonderblogs_target import (
    MemoryReplayGuard,
    RedisReplayGuard,
    SQLReplayGuard,
    WonderblogsCallbackReceiver,
)
from wonderblogs_target.callbacks.replay import open_replay_guard
from wonderblogs_target.http import Request
from wonderblogs_target.testing import signed_callback

FORK = multiprocessing.get_context("fork")
SECRET = "guard-secret"


def url_of(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "memory":
        return "memory"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/guard.db"
    if kind == "postgres":
        return str(request.getfixturevalue("fresh_database"))
    url = str(request.getfixturevalue("redis_url"))
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["memory", "sqlite", "postgres", "redis"])
def guard_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return url_of(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The guards meant for several processes (a memory guard is one process's)."""
    return url_of(request.param, request, tmp_path)


def headers_of(pairs: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in pairs.items()}


def test_claim_remember_release(guard_url):
    guard = open_replay_guard(guard_url)
    assert guard.claim("a")
    assert not guard.claim("a")  # in hand
    assert not guard.seen("a")
    guard.remember("a")
    assert guard.seen("a")
    assert not guard.claim("a")  # handled
    guard.release("a")  # a release after the fact does not forget a handled event
    assert guard.seen("a")
    assert guard.claim("b")
    guard.release("b")
    assert guard.claim("b")  # given back, so the retry may handle it


def test_a_claim_expires_after_its_ttl(guard_url):
    if guard_url == "memory":
        guard = MemoryReplayGuard(ttl=0.3)
        guard.remember("a")
        time.sleep(0.4)
        assert not guard.seen("a")
        return
    # The claim must outlive the instant between two calls on a busy machine:
    # a second, not a fraction of one.
    guard = (
        RedisReplayGuard(guard_url, claim_ttl=1.0)
        if guard_url.startswith("redis")
        else SQLReplayGuard(guard_url, claim_ttl=1.0)
    )
    assert guard.claim("a")
    assert not guard.claim("a")
    time.sleep(1.2)
    assert guard.claim("a")


# -- across processes -------------------------------------------------------------------


def _receive(url: str, body: bytes, headers: dict[str, str], log: str, barrier, results) -> None:
    def on_event(event) -> None:
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        time.sleep(0.5)  # still in hand while the others arrive

    receiver = WonderblogsCallbackReceiver(api_key=SECRET, on_event=on_event, replay_guard=url)
    barrier.wait(timeout=30)
    answer = receiver.handle(Request("POST", headers, body))
    results.put(answer.status)


def test_four_processes_given_one_event_at_once_run_on_event_once(shared_url, tmp_path):
    headers, body = signed_callback("run.completed", secret=SECRET, run_id="run_once")
    log = str(tmp_path / "handled.log")
    barrier, results = FORK.Barrier(4), FORK.Queue()
    children = [
        FORK.Process(
            target=_receive, args=(shared_url, body, headers_of(headers), log, barrier, results)
        )
        for _ in range(4)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    statuses = sorted(results.get(timeout=5) for _ in children)
    assert Path(log).read_text().count("\n") == 1
    assert statuses[0] == 200
    assert set(statuses[1:]) <= {200, 503}  # a duplicate, or "still in hand, retry"
    # The sender's later retry is a duplicate: answered 200, not handled again.
    retry = WonderblogsCallbackReceiver(api_key=SECRET, on_event=print, replay_guard=shared_url)
    answer = retry.handle(Request("POST", headers_of(headers), body))
    assert answer.status == 200
    assert json.loads(answer.body) == {"ok": True, "duplicate": True}


def test_a_failed_handler_gives_the_event_back_for_the_retry(guard_url):
    headers, body = signed_callback("run.failed", secret=SECRET, run_id="run_retry")
    calls: list[str] = []

    def flaky(event) -> None:
        calls.append(event.run_id)
        if len(calls) == 1:
            raise RuntimeError("the database is down")

    receiver = WonderblogsCallbackReceiver(api_key=SECRET, on_event=flaky, replay_guard=guard_url)
    assert receiver.handle(Request("POST", headers_of(headers), body)).status == 500
    assert receiver.handle(Request("POST", headers_of(headers), body)).status == 200
    assert receiver.handle(Request("POST", headers_of(headers), body)).status == 200
    assert calls == ["run_retry", "run_retry"]


def test_a_claim_of_a_killed_process_expires(shared_url):
    # A second of margin between the child's claim and the check that it holds.
    if shared_url.startswith("redis"):
        short = RedisReplayGuard(shared_url, claim_ttl=1.0)
    else:
        short = SQLReplayGuard(shared_url, claim_ttl=1.0)
    # The killed process claims with the same short expiry.
    child = FORK.Process(target=_claim_with_short_ttl, args=(shared_url,))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL
    assert not short.claim("killed")  # still held
    time.sleep(1.2)
    assert short.claim("killed")  # expired: the retry is handled


def _claim_with_short_ttl(url: str) -> None:
    guard = (
        RedisReplayGuard(url, claim_ttl=1.0)
        if url.startswith("redis")
        else SQLReplayGuard(url, claim_ttl=1.0)
    )
    assert guard.claim("killed")
    os.kill(os.getpid(), signal.SIGKILL)


def _handle_until_killed(url: str, body: bytes, headers: dict[str, str], started: str) -> None:
    def on_event(event) -> None:
        Path(started).write_text("started")
        time.sleep(600)  # in hand until the test kills this worker

    receiver = WonderblogsCallbackReceiver(
        api_key=SECRET, on_event=on_event, replay_guard=_short_claims(url)
    )
    receiver.handle(Request("POST", headers, body))


def _short_claims(url: str):
    # 2.5 s leases, renewed every 0.5 s while on_event runs: a heartbeat may
    # be 2 s late on a busy machine before the claim lapses under it.
    if url.startswith("redis"):
        return RedisReplayGuard(url, claim_ttl=2.5)
    return SQLReplayGuard(url, claim_ttl=2.5)


def test_a_worker_keeps_its_claim_while_it_runs_and_a_killed_ones_lapses(shared_url, tmp_path):
    """A handler longer than the lease keeps its event; kill -9 of its worker
    frees the event for a retry within the sender's schedule (1, 2, 4 s)."""
    headers, body = signed_callback("run.completed", secret=SECRET, run_id="run_killed")
    started = tmp_path / "started"
    worker = FORK.Process(
        target=_handle_until_killed, args=(shared_url, body, headers_of(headers), str(started))
    )
    worker.start()
    try:
        while not started.exists():
            assert worker.is_alive()
            time.sleep(0.05)
        other = _short_claims(shared_url)
        for _ in range(2):  # past the lease, twice over: the heartbeat holds it
            time.sleep(3.0)
            assert not other.claim("run.completed:run_killed")
    finally:
        worker.kill()
        worker.join(timeout=30)
    assert worker.exitcode == -signal.SIGKILL
    handled: list[str] = []
    retry = WonderblogsCallbackReceiver(
        api_key=SECRET,
        on_event=lambda event: handled.append(event.run_id),
        replay_guard=_short_claims(shared_url),
    )
    statuses = []
    for delay in (1, 2, 4):  # the sender's retries after the killed delivery
        time.sleep(delay)
        statuses.append(retry.handle(Request("POST", headers_of(headers), body)).status)
        if statuses[-1] == 200:
            break
    assert statuses[-1] == 200, statuses
    assert handled == ["run_killed"]


def test_the_default_claim_lapses_before_the_senders_last_retry():
    """The vendor's schedule: retries 1, 2 and 4 s apart, the last 7 s after
    the delivery that failed; a killed worker's claim, renewed up to its death,
    lapses before then."""
    from wonderblogs_target.callbacks.replay import DEFAULT_CLAIM_TTL

    assert DEFAULT_CLAIM_TTL < 1 + 2 + 4


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return url_of(request.param, request, tmp_path)


def test_a_sql_guards_database_holds_only_the_guards_table(sql_url, caplog):
    """A guard needs a connection, not an article store: no wb_posts beside it."""
    import logging

    shared_url = sql_url

    with caplog.at_level(logging.INFO, logger="wonderblogs_target"):
        guard = SQLReplayGuard(shared_url)
    assert guard.claim("one")
    if shared_url.startswith("sqlite"):
        import sqlite3

        path = shared_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:
            tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    else:
        import psycopg

        with psycopg.connect(shared_url) as db:
            tables = [
                t
                for (t,) in db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
            ]
    guard.close()
    assert tables == ["wb_replay"]
    assert "store at" not in caplog.text
    assert f"replay guard at {guard.location}" in caplog.text
