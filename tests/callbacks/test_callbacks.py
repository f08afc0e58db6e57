"""The signed-callback receiver: the shared suite over every adapter, plus the events."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.contract.clients.base import PATH
from wonderblogs_target import (
    CallbackPayloadError,
    ConfigurationError,
    ImageCompletedEvent,
    MemoryReplayGuard,
    Request,
    RunCompletedEvent,
    RunFailedEvent,
    RunSkippedEvent,
    WonderblogsCallbackReceiver,
    parse_callback_event,
    sign_payload,
)

SECRET = "wb-callback-secret"
NOW = 1_750_000_000

COMPLETED = {
    "event": "run.completed",
    "run_id": "run-1",
    "status": "completed",
    "post": {
        "title": "AI in clinics",
        "slug": "ai-in-clinics",
        "content": "## Intro\n\nText.",
        "meta_title": "AI in clinics, 2026",
        "meta_description": "What changes.",
        "tags": ["ai", "health"],
        "image_url": "https://img.example/1.webp",
    },
}
EVENTS = {
    "run.completed": COMPLETED,
    "run.failed": {"event": "run.failed", "run_id": "r2", "status": "failed", "error": "eval"},
    "run.skipped": {"event": "run.skipped", "run_id": "r3", "status": "skipped", "error": "focus"},
    "image.completed": {
        "event": "image.completed",
        "job_id": "j1",
        "status": "completed",
        "image_url": "https://img.example/j1.webp",
        "created_at": "2026-03-08T12:00:00Z",
        "completed_at": "2026-03-08T12:01:30Z",
    },
    "image.failed": {
        "event": "image.failed",
        "job_id": "j2",
        "status": "failed",
        "error": "Image generation failed",
        "created_at": "2026-03-08T12:00:00Z",
        "completed_at": "2026-03-08T12:01:00Z",
    },
}


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def signed(body: bytes, secret: str = SECRET, timestamp: int = NOW) -> dict[str, str]:
    return sign_payload(body, secret, timestamp=timestamp)


class Inbox:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event)

    async def on_event_async(self, event: Any) -> None:
        self.events.append(event)


def receiver(make_client, inbox: Inbox, mode: str = "sync", **extra: Any):
    handler = inbox.on_event_async if mode == "async" else inbox.on_event
    options = {"api_key": SECRET, "on_event": handler, "clock": lambda: NOW, **extra}
    return make_client(receiver=True, **options)


# -- shared suite over every adapter ----------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("kind", sorted(EVENTS))
def test_authentic_events_reach_on_event_typed(make_client, kind, mode):
    inbox = Inbox()
    body = encode(EVENTS[kind])
    response = receiver(make_client, inbox, mode).request("POST", headers=signed(body), body=body)
    assert response.status == 200
    assert response.json() == {"ok": True}
    [event] = inbox.events
    assert event.event == kind


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Wonderblogs-Signature": "sha256=" + "0" * 64, "X-Wonderblogs-Timestamp": str(NOW)},
        "wrong-secret",
        "stale",
        "future",
        {"X-Wonderblogs-Signature": "nonsense", "X-Wonderblogs-Timestamp": str(NOW)},
    ],
    ids=["missing", "mismatch", "wrong-secret", "stale", "future", "malformed"],
)
def test_bad_signatures_get_401_before_parsing(make_client, headers):
    inbox = Inbox()
    body = encode(COMPLETED)
    if headers == "wrong-secret":
        headers = signed(body, secret="other")
    elif headers == "stale":
        headers = signed(body, timestamp=NOW - 301)
    elif headers == "future":
        headers = signed(body, timestamp=NOW + 301)
    response = receiver(make_client, inbox).request("POST", headers=headers, body=body)
    assert response.status == 401
    assert response.json()["error"].startswith("Invalid signature")
    assert SECRET not in response.body.decode()
    assert inbox.events == []


def test_unsigned_garbage_is_401_not_400(make_client):
    response = receiver(make_client, Inbox()).request("POST", body=b"{not json")
    assert response.status == 401


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (encode({"event": "run.exploded", "run_id": "x"}), "unknown callback event type"),
        (encode({"run_id": "x"}), "no 'event' field"),
        (encode({"event": "run.completed", "run_id": "x"}), "invalid callback payload"),
    ],
)
def test_authentic_but_malformed_payload_is_400(make_client, body, fragment):
    inbox = Inbox()
    response = receiver(make_client, inbox).request("POST", headers=signed(body), body=body)
    assert response.status == 400
    assert fragment in response.json()["error"]
    assert inbox.events == []


def test_handler_failure_is_500_so_the_sender_retries(make_client, caplog):
    def on_event(event: Any) -> None:
        raise RuntimeError("queue down: token abc123")

    body = encode(COMPLETED)
    client = make_client(receiver=True, api_key=SECRET, on_event=on_event, clock=lambda: NOW)
    with caplog.at_level(logging.ERROR, logger="wonderblogs_target"):
        response = client.request("POST", headers=signed(body), body=body)
    assert response.status == 500
    assert b"abc123" not in response.body
    assert "on_event raised" in caplog.text


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_only_post_is_served(make_client, method):
    response = receiver(make_client, Inbox()).request(method)
    assert response.status == 405
    assert response.headers["allow"] == "POST"


def test_oversized_callback_is_413(make_client):
    body = encode({**COMPLETED, "padding": "x" * 5_000})
    response = receiver(make_client, Inbox(), max_body_size=1_000).request(
        "POST", headers=signed(body), body=body
    )
    assert response.status == 413


def test_replay_guard_hands_a_redelivery_over_once(make_client):
    inbox = Inbox()
    client = receiver(make_client, inbox, replay_guard=MemoryReplayGuard())
    body = encode(COMPLETED)
    first = client.request("POST", headers=signed(body), body=body)
    # A retry is signed anew, at a later time.
    again = client.request("POST", headers=signed(body, timestamp=NOW + 2), body=body)
    assert first.json() == {"ok": True}
    assert again.status == 200
    assert again.json() == {"ok": True, "duplicate": True}
    assert len(inbox.events) == 1


def test_replay_guard_lets_a_failed_delivery_be_retried(make_client):
    calls: list[str] = []

    def flaky(event: Any) -> None:
        calls.append(event.run_id)
        if len(calls) == 1:
            raise RuntimeError("transient")

    client = make_client(
        receiver=True,
        api_key=SECRET,
        on_event=flaky,
        clock=lambda: NOW,
        replay_guard=MemoryReplayGuard(),
    )
    body = encode(COMPLETED)
    assert client.request("POST", headers=signed(body), body=body).status == 500
    assert client.request("POST", headers=signed(body), body=body).status == 200
    assert calls == ["run-1", "run-1"]


def test_rotation_with_several_keys(make_client):
    inbox = Inbox()
    client = receiver(make_client, inbox, api_key=["old", SECRET])
    for n, secret in enumerate(("old", SECRET)):
        body = encode({**COMPLETED, "run_id": f"run_rotation_{n}"})
        assert client.request("POST", headers=signed(body, secret=secret), body=body).status == 200
    assert len(inbox.events) == 2


def test_receivers_guard_against_replays_by_default(make_client):
    """Without a replay_guard argument, a redelivered event runs on_event once."""
    inbox = Inbox()
    client = receiver(make_client, inbox)
    body = encode(COMPLETED)
    for _ in range(3):
        answer = client.request("POST", headers=signed(body), body=body)
        assert answer.status == 200
    assert len(inbox.events) == 1
    assert answer.json() == {"ok": True, "duplicate": True}


@pytest.mark.parametrize("with_handler", [False, True])
def test_a_store_saves_each_completed_runs_post_once(make_client, tmp_path, with_handler):
    """``store=`` in every adapter: the post of ``run.completed`` lands in the
    store by the v1 commands' mapping; the redelivery saves nothing more; other
    events save nothing; ``on_event`` still sees every event when given."""
    from wonderblogs_target.stores import open_store

    url = f"sqlite:///{tmp_path}/posts.db"
    inbox = Inbox()
    options: dict[str, Any] = {"api_key": SECRET, "clock": lambda: NOW, "store": url}
    if with_handler:
        options["on_event"] = inbox.on_event
    client = make_client(receiver=True, store_locale="de", **options)
    body = encode(COMPLETED)
    for _ in range(2):  # the sender's redelivery
        answer = client.request("POST", headers=signed(body), body=body)
        assert answer.status == 200, answer.body
    failed = encode(EVENTS["run.failed"])
    assert client.request("POST", headers=signed(failed), body=failed).status == 200
    store = open_store(url)
    try:
        [post] = store.recent()
        assert (post.payload.slug, post.payload.locale) == ("ai-in-clinics", "de")
        assert post.payload.seo.meta_title == "AI in clinics, 2026"
        assert post.payload.description == "What changes."
        assert post.payload.cover_image_url == "https://img.example/1.webp"
        assert post.revision == 1  # saved once
    finally:
        store.close()
    assert [e.event for e in inbox.events] == (
        ["run.completed", "run.failed"] if with_handler else []
    )


def test_a_post_past_a_publish_limit_is_422_and_a_failing_store_500(make_client, tmp_path):
    from tests.helpers import allow_new_posts, refuse_new_posts

    url = f"sqlite:///{tmp_path}/posts.db"
    client = make_client(receiver=True, api_key=SECRET, clock=lambda: NOW, store=url)
    too_many = {**COMPLETED, "run_id": "run-2", "post": {**COMPLETED["post"], "tags": ["t"] * 21}}
    body = encode(too_many)
    answer = client.request("POST", headers=signed(body), body=body)
    assert answer.status == 422  # a retry would not mend it
    assert "tags" in answer.body.decode()
    refuse_new_posts(tmp_path / "posts.db", "disk full")
    body = encode(COMPLETED)
    assert client.request("POST", headers=signed(body), body=body).status == 500
    allow_new_posts(tmp_path / "posts.db")
    assert client.request("POST", headers=signed(body), body=body).status == 200  # the retry


# -- events and the receiver core --------------------------------------------------------


def test_event_models_are_typed_and_keep_extras():
    event = parse_callback_event(encode({**COMPLETED, "attempt": 2}))
    assert isinstance(event, RunCompletedEvent)
    assert event.post.meta_title == "AI in clinics, 2026"
    assert event.post.tags == ["ai", "health"]
    assert event.model_extra == {"attempt": 2}
    assert isinstance(parse_callback_event(encode(EVENTS["run.failed"])), RunFailedEvent)
    assert isinstance(parse_callback_event(encode(EVENTS["run.skipped"])), RunSkippedEvent)
    image = parse_callback_event(encode(EVENTS["image.completed"]))
    assert isinstance(image, ImageCompletedEvent)
    assert image.completed_at is not None
    assert image.completed_at.year == 2026


@pytest.mark.parametrize("body", [b"", b"[]", b"null", b'{"event": 5}', b'{"event": "x"}'])
def test_bad_event_bodies_raise_the_payload_error(body):
    with pytest.raises(CallbackPayloadError):
        parse_callback_event(body)


def test_receiver_configuration_errors():
    with pytest.raises(ConfigurationError):
        WonderblogsCallbackReceiver(on_event=print)
    with pytest.raises(ConfigurationError):
        WonderblogsCallbackReceiver(api_key=SECRET, on_event=print, tolerance=0)
    with pytest.raises(ConfigurationError):
        MemoryReplayGuard(max_entries=0)


def test_replay_guard_forgets_after_its_ttl_and_beyond_its_size():
    now = [0.0]
    guard = MemoryReplayGuard(max_entries=2, ttl=10, clock=lambda: now[0])
    guard.remember("a")
    assert guard.seen("a")
    now[0] = 11
    assert not guard.seen("a")
    guard.remember("b")
    guard.remember("c")
    guard.remember("d")
    assert not guard.seen("b")
    assert guard.seen("d")


def test_async_receiver_entry_point():
    from wonderblogs_target import Request

    inbox = Inbox()
    target = WonderblogsCallbackReceiver(
        api_key=SECRET, on_event=inbox.on_event_async, clock=lambda: NOW
    )
    body = encode(EVENTS["image.failed"])
    response = asyncio.run(target.handle_async(Request("POST", signed(body), body)))
    assert response.status == 200
    assert inbox.events[0].job_id == "j2"


def test_receiver_serves_the_trailing_slash_form(make_client):
    inbox = Inbox()
    body = encode(COMPLETED)
    client = receiver(make_client, inbox)
    response = client.request("POST", path=PATH + "/", headers=signed(body), body=body)
    assert response.status == 200
    assert len(inbox.events) == 1


# -- deliveries of one event that overlap ------------------------------------------------


def core_request(body: bytes) -> Request:
    headers = {k.lower(): v for k, v in signed(body).items()}
    return Request("POST", headers, body)


def test_memory_guard_claims_an_event_once_until_remembered_or_released():
    guard = MemoryReplayGuard()
    assert guard.claim("run.completed:a")
    assert not guard.claim("run.completed:a")  # in hand
    guard.release("run.completed:a")
    assert guard.claim("run.completed:a")  # the failed one's retry
    guard.remember("run.completed:a")
    assert guard.seen("run.completed:a")
    assert not guard.claim("run.completed:a")  # handled


def test_a_redelivery_while_the_first_is_in_on_event_is_answered_503_to_come_back():
    entered, leave = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(event: Any) -> None:
        calls.append(event.run_id)
        entered.set()
        assert leave.wait(10)

    target = WonderblogsCallbackReceiver(
        api_key=SECRET, on_event=slow, clock=lambda: NOW, replay_guard=MemoryReplayGuard()
    )
    body = encode(COMPLETED)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(target.handle, core_request(body))
        assert entered.wait(10)
        overlapping = target.handle(core_request(body))
        leave.set()
        assert first.result(10).status == 200
    assert overlapping.status == 503  # a 4xx would stop the sender's retries for good
    assert ("retry-after", "5") in overlapping.headers
    later = target.handle(core_request(body))
    assert json.loads(later.body) == {"ok": True, "duplicate": True}
    assert calls == ["run-1"]


def test_a_cancelled_delivery_gives_its_claim_back():
    started = asyncio.Event()

    async def hangs(event: Any) -> None:
        started.set()
        await asyncio.sleep(3600)

    inbox = Inbox()
    guard = MemoryReplayGuard()
    body = encode(COMPLETED)

    async def scenario() -> int:
        hanging = WonderblogsCallbackReceiver(
            api_key=SECRET, on_event=hangs, clock=lambda: NOW, replay_guard=guard
        )
        task = asyncio.create_task(hanging.handle_async(core_request(body)))
        await started.wait()
        task.cancel()  # the server dropped the request: client gone, shutdown
        with pytest.raises(asyncio.CancelledError):
            await task
        retry = WonderblogsCallbackReceiver(
            api_key=SECRET, on_event=inbox.on_event, clock=lambda: NOW, replay_guard=guard
        )
        return (await retry.handle_async(core_request(body))).status

    assert asyncio.run(scenario()) == 200
    assert [e.run_id for e in inbox.events] == ["run-1"]


def test_a_guard_with_only_seen_and_remember_still_guards():
    class SetGuard:
        def __init__(self) -> None:
            self.keys: set[str] = set()

        def seen(self, key: str) -> bool:
            return key in self.keys

        def remember(self, key: str) -> None:
            self.keys.add(key)

    inbox, guard = Inbox(), SetGuard()
    target = WonderblogsCallbackReceiver(
        api_key=SECRET, on_event=inbox.on_event, clock=lambda: NOW, replay_guard=guard
    )
    body = encode(COMPLETED)
    assert target.handle(core_request(body)).status == 200
    assert json.loads(target.handle(core_request(body)).body)["duplicate"] is True
    assert guard.keys == {"run.completed:run-1"}
    assert len(inbox.events) == 1


@pytest.fixture(scope="module")
def stopped_redis() -> str:
    """The URL of a Redis server that was started, then stopped: the guard's
    store is down, as when Redis restarts."""
    from tests.redis_server import redis_server

    with redis_server() as url:
        pass
    return url


def test_a_guard_that_cannot_answer_is_a_json_503_in_every_adapter(
    make_client, stopped_redis, caplog
):
    """Not the framework's plain-text 500: the package's own answer, which keeps
    the sender retrying, with nothing run and the reason in the log."""
    inbox = Inbox()
    body = encode(EVENTS["run.failed"])
    client = receiver(make_client, inbox, replay_guard=stopped_redis)
    with caplog.at_level(logging.ERROR, logger="wonderblogs_target"):
        response = client.request("POST", headers=signed(body), body=body)
    assert response.status == 503
    assert response.json() == {"error": "The replay guard is unavailable; retry later"}
    assert response.headers["retry-after"] == "5"
    assert inbox.events == []
    assert "replay guard could not be asked" in caplog.text


def test_close_closes_what_the_receiver_opened_from_a_url_and_nothing_else(tmp_path):
    """A store and a replay guard given as URLs are the receiver's: `close`
    releases their connections. Objects passed in stay open for their owner."""
    from wonderblogs_target.callbacks import SQLReplayGuard
    from wonderblogs_target.stores import open_store

    receiver = WonderblogsCallbackReceiver(
        api_key=SECRET,
        store=f"sqlite:///{tmp_path}/posts.db",
        replay_guard=f"sqlite:///{tmp_path}/g.db",
    )
    receiver.store.count()
    receiver.replay_guard.seen("some-event")
    owned = [receiver.store.database, receiver.replay_guard._db]
    assert all(database._connections for database in owned)
    receiver.close()
    assert not any(database._connections for database in owned)

    given = open_store(f"sqlite:///{tmp_path}/given.db")
    guard = SQLReplayGuard(f"sqlite:///{tmp_path}/given-guard.db")
    kept = WonderblogsCallbackReceiver(api_key=SECRET, store=given, replay_guard=guard)
    given.count()
    guard.seen("some-event")
    kept.close()
    assert given.database._connections
    assert guard._db._connections
    given.close()
    guard.close()
