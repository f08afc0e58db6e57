"""The framework-free core on its own: configuration, auth, body reading, callbacks."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests import samples
from tests.helpers import KEY
from wonderblogs_target import (
    ConfigurationError,
    PublishPayload,
    PublishRejected,
    Request,
    Response,
    WonderblogsTarget,
)
from wonderblogs_target._concurrency import is_async_callable

AUTH = {"authorization": f"Bearer {KEY}"}


def make(**overrides: Any) -> WonderblogsTarget:
    options: dict[str, Any] = {
        "api_key": KEY,
        "get_context": samples.context,
        "on_publish": lambda payload: None,
    }
    options.update(overrides)
    return WonderblogsTarget(**options)


def post(body: Any, headers: dict[str, str] | None = None) -> Request:
    return Request("POST", {**AUTH, **(headers or {})}, body)


# -- configuration -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"api_key": None}, "no api_key"),
        ({"api_key": ""}, "non-empty"),
        ({"api_key": []}, "empty list"),
        ({"api_key": ["good", ""]}, "non-empty"),
        ({"api_key": " padded "}, "whitespace"),
        ({"api_key": "k\n"}, "whitespace"),
        ({"allow_unauthenticated": True}, "not both"),
        ({"max_body_size": 0}, "max_body_size"),
        ({"max_concurrent_saves": 0}, "max_concurrent_saves must be a whole number, 1 or more"),
        ({"max_concurrent_saves": True}, "max_concurrent_saves must be a whole number"),
        ({"on_publish": "not callable"}, "on_publish must be a callable"),
        ({"on_publish": None}, "nowhere to put articles: pass store="),
        ({"get_context": 42}, "get_context must be a callable, a dict or a ContextResponse"),
        (
            {"get_context": {"brand_identity": "x" * 5001}},
            r"get_context breaks the contract: brand_identity: String should have at most "
            r"5000 characters; tone_of_voice: Field required",
        ),
    ],
)
def test_configuration_errors(overrides, message):
    with pytest.raises(ConfigurationError, match=message):
        make(**overrides)


def test_configuration_error_never_shows_the_key():
    with pytest.raises(ConfigurationError) as caught:
        make(api_key="s3cret-value ")
    assert "s3cret" not in str(caught.value)


def test_publish_rejected_only_takes_4xx():
    with pytest.raises(ValueError, match="4xx"):
        PublishRejected("no", status_code=500)
    assert PublishRejected("dup").status_code == 409


# -- auth --------------------------------------------------------------------------


def test_key_callable_is_read_per_request():
    current = {"key": "first"}
    target = make(api_key=lambda: current["key"])
    assert target.handle(Request("GET", {"authorization": "Bearer first"})).status == 200
    current["key"] = "second"
    assert target.handle(Request("GET", {"authorization": "Bearer first"})).status == 401
    assert target.handle(Request("GET", {"authorization": "Bearer second"})).status == 200


def test_key_callable_returning_nothing_is_a_logged_500(caplog):
    target = make(api_key=lambda: None)
    with caplog.at_level(logging.ERROR, logger="wonderblogs_target"):
        response = target.handle(Request("GET", {"authorization": "Bearer x"}))
    assert response.status == 500
    assert "misconfigured" in caplog.text


def test_non_ascii_keys_match_their_utf8_bytes():
    key = "clé-ünïcode"
    target = make(api_key=key)
    # Servers hand header bytes over decoded as Latin-1.
    header = "Bearer " + key.encode().decode("latin-1")
    assert target.handle(Request("GET", {"authorization": header})).status == 200


@pytest.mark.parametrize(
    "value", ["Bearer \u2603", "Bearer \udcff", "\x00\x01", "Bearer " + "k" * 100_000, " "]
)
def test_odd_authorization_values_are_just_401(value):
    assert make().handle(Request("GET", {"authorization": value})).status == 401


def _untouchable() -> Iterator[bytes]:
    raise AssertionError("the body must not be read")
    yield b""  # pragma: no cover


def test_unauthenticated_post_body_is_never_read():
    response = make().handle(Request("POST", {}, _untouchable()))
    assert response.status == 401


# -- body size ---------------------------------------------------------------------


def test_declared_oversize_is_refused_before_reading():
    target = make(max_body_size=100)
    response = target.handle(post(_untouchable(), {"content-length": "101"}))
    assert response.status == 413


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "١٢"])
def test_malformed_content_length_is_400(value):
    response = make().handle(post(_untouchable(), {"content-length": value}))
    assert response.status == 400


def test_undeclared_stream_stops_just_past_the_limit():
    consumed = 0

    def chunks() -> Iterator[bytes]:
        nonlocal consumed
        for _ in range(1_000):
            consumed += 1
            yield b"x" * 1_024

    response = make(max_body_size=10 * 1_024).handle(post(chunks()))
    assert response.status == 413
    assert consumed == 11


def test_async_stream_stops_just_past_the_limit():
    consumed = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal consumed
        for _ in range(1_000):
            consumed += 1
            yield b"x" * 1_024

    response = asyncio.run(make(max_body_size=10 * 1_024).handle_async(post(chunks())))
    assert response.status == 413
    assert consumed == 11


def test_body_exactly_at_the_limit_is_read():
    body = samples.body(samples.PAYLOAD)
    target = make(max_body_size=len(body))
    assert target.handle(post(iter([body[:10], body[10:]]))).status == 200
    assert make(max_body_size=len(body) - 1).handle(post(body)).status == 413


def test_sync_handle_refuses_an_async_stream():
    async def chunks() -> AsyncIterator[bytes]:
        yield b"{}"

    with pytest.raises(TypeError, match="handle_async"):
        make().handle(post(chunks()))


# -- callbacks -----------------------------------------------------------------------


def test_async_callbacks_from_sync_code_share_one_loop():
    loops: list[asyncio.AbstractEventLoop] = []

    async def on_publish(payload: PublishPayload) -> None:
        loops.append(asyncio.get_running_loop())

    target = make(on_publish=on_publish)
    body = samples.body(samples.PAYLOAD)
    assert [target.handle(post(body)).status for _ in range(3)] == [200, 200, 200]
    assert len(set(map(id, loops))) == 1


def test_async_callbacks_run_on_the_calling_loop():
    seen: list[asyncio.AbstractEventLoop] = []

    async def get_context() -> dict[str, Any]:
        seen.append(asyncio.get_running_loop())
        return samples.context()

    async def main() -> tuple[Response, asyncio.AbstractEventLoop]:
        response = await make(get_context=get_context).handle_async(Request("GET", AUTH))
        return response, asyncio.get_running_loop()

    response, loop = asyncio.run(main())
    assert response.status == 200
    assert seen == [loop]


def test_sync_callbacks_run_in_a_worker_thread_under_async():
    threads: list[threading.Thread] = []

    def on_publish(payload: PublishPayload) -> None:
        threads.append(threading.current_thread())

    body = samples.body(samples.PAYLOAD)
    response = asyncio.run(make(on_publish=on_publish).handle_async(post(body)))
    assert response.status == 200
    assert threads[0] is not threading.main_thread()


def test_a_sync_callable_returning_an_awaitable_is_awaited():
    published: list[str] = []

    async def store(payload: PublishPayload) -> None:
        published.append(payload.slug)

    def on_publish(payload: PublishPayload) -> Any:
        return store(payload)

    assert make(on_publish=on_publish).handle(post(samples.body(samples.PAYLOAD))).status == 200
    assert published == ["right-size-your-pods"]


def test_context_may_be_a_model_instance():
    from wonderblogs_target import ContextResponse

    ctx = ContextResponse.model_validate(samples.context())
    response = make(get_context=lambda: ctx).handle(Request("GET", AUTH))
    assert response.body == ctx.to_json()


class _AsyncCallable:
    async def __call__(self, payload: PublishPayload) -> None:
        return None


@pytest.mark.parametrize(
    ("func", "expected"),
    [
        (lambda: None, False),
        (samples.context, False),
        (_AsyncCallable(), True),
        (functools.partial(_AsyncCallable()), True),
        (asyncio.sleep, True),
        (functools.partial(asyncio.sleep, 0), True),
    ],
)
def test_async_callable_detection(func, expected):
    assert is_async_callable(func) is expected


def test_response_header_lookup_is_case_insensitive():
    response = make().handle(Request("GET", {}))
    assert response.header("WWW-Authenticate") == 'Bearer realm="wonderblogs"'
    assert response.header("x-missing") is None


def test_method_names_are_case_insensitive():
    assert make().handle(Request("get", AUTH)).status == 200


# -- time limits and broken bodies ----------------------------------------------------


@pytest.fixture
def release():
    """An event that hanging callbacks wait on; set at the end so threads finish."""
    event = threading.Event()
    yield event
    event.set()


@pytest.mark.parametrize("callback_kind", ["sync", "async"])
@pytest.mark.parametrize("entry", ["handle", "handle_async"])
def test_a_hanging_callback_gets_503_in_time(release, callback_kind, entry):
    finished = threading.Event()

    def hang(payload: PublishPayload) -> None:
        release.wait(30)
        finished.set()

    async def hang_async(payload: PublishPayload) -> None:
        await asyncio.sleep(30)
        finished.set()

    target = make(on_publish=hang if callback_kind == "sync" else hang_async, callback_timeout=0.2)
    request = post(samples.body(samples.PAYLOAD))
    if entry == "handle":
        response = target.handle(request)
    else:
        response = asyncio.run(target.handle_async(request))
    assert response.status == 503
    assert response.header("retry-after") == "30"
    # Answered while the callback still hangs, not after it gave up on its own.
    assert not finished.is_set()
    # The worker is free: the next request is served.
    quick = make(callback_timeout=0.2).handle(post(samples.body(samples.PAYLOAD)))
    assert quick.status == 200


def test_callback_timeout_must_be_positive():
    with pytest.raises(ConfigurationError, match="callback_timeout"):
        make(callback_timeout=0)


def test_a_body_shorter_than_announced_is_400():
    body = samples.body(samples.PAYLOAD)
    response = make().handle(post(body[:100], {"content-length": str(len(body))}))
    assert response.status == 400
    assert "could not be read" in response.body.decode()


def test_a_failing_input_stream_is_400_not_500():
    def broken() -> Iterator[bytes]:
        yield b'{"slug": '
        raise OSError("connection reset by peer")

    response = make().handle(post(broken()))
    assert response.status == 400


def test_handle_async_works_where_anyio_cannot_be_imported():
    """Sync callbacks then run in asyncio's own worker threads."""
    import subprocess
    import sys

    code = """
import asyncio, json, sys, threading
sys.modules["anyio"] = None
from wonderblogs_target import Request, WonderblogsTarget

threads = []
def on_publish(article):
    threads.append(threading.current_thread() is not threading.main_thread())

def get_context():
    threads.append(threading.current_thread() is not threading.main_thread())
    return CONTEXT

target = WonderblogsTarget(api_key="k", get_context=get_context, on_publish=on_publish)
auth = {"authorization": "Bearer k"}
got = asyncio.run(target.handle_async(Request("GET", auth)))
posted = asyncio.run(target.handle_async(Request("POST", auth, BODY)))

async def slow_context():
    await asyncio.sleep(10)

slow = WonderblogsTarget(
    api_key="k", get_context=slow_context, on_publish=on_publish, callback_timeout=0.2
)
late = asyncio.run(slow.handle_async(Request("GET", auth)))
statuses = [got.status, posted.status, late.status]
print(json.dumps([statuses, threads, sys.modules.get("anyio") is not None]))
"""
    code = code.replace("CONTEXT", repr(samples.context())).replace(
        "BODY", repr(samples.body(samples.PAYLOAD))
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == [[200, 200, 503], [True, True], False]


def test_a_store_holding_an_over_long_title_answers_500_and_logs_why(tmp_path, caplog):
    """Store rows can be edited by hand; what the store lists is checked per request."""
    import sqlite3

    target = WonderblogsTarget(
        api_key=KEY, get_context=samples.brand(), store=f"sqlite:///{tmp_path}/p.db"
    )
    auth = {"authorization": f"Bearer {KEY}"}
    assert target.handle(Request("POST", auth, samples.body(samples.PAYLOAD))).status == 200
    good = json.loads(target.handle(Request("GET", auth)).body)
    assert good == {
        **samples.brand(),
        "recent_articles": [
            {"title": samples.PAYLOAD["title"], "summary": samples.PAYLOAD["description"]}
        ],
    }
    with sqlite3.connect(tmp_path / "p.db") as db:
        db.execute(
            "UPDATE wb_posts SET title = ?, payload = json_set(payload, '$.title', ?)",
            ("x" * 600, "x" * 600),
        )
    with caplog.at_level(logging.ERROR, logger="wonderblogs_target"):
        answer = target.handle(Request("GET", auth))
    assert answer.status == 500
    assert b"x" * 50 not in answer.body
    assert "[0].title: String should have at most 500 characters" in caplog.text
    target.close()


def test_a_body_that_trickles_in_gets_408():
    target = WonderblogsTarget(
        api_key=KEY, get_context=samples.context, on_publish=lambda a: None, body_timeout=0.2
    )
    auth = {"authorization": f"Bearer {KEY}"}
    body = samples.body(samples.PAYLOAD)
    sent: list[int] = []

    def slowly() -> Iterator[bytes]:
        for byte in body:
            time.sleep(0.05)
            sent.append(byte)
            yield bytes([byte])

    async def slowly_async() -> AsyncIterator[bytes]:
        for byte in body:
            await asyncio.sleep(0.05)
            sent.append(byte)
            yield bytes([byte])

    # The whole body would take over a minute to arrive; each answer comes
    # before it has (the deadline, not the end of the body, ended the read).
    assert target.handle(Request("POST", auth, slowly())).status == 408
    assert len(sent) < len(body)
    sent.clear()
    answer = asyncio.run(target.handle_async(Request("POST", auth, slowly_async())))
    assert answer.status == 408
    assert answer.header("connection") == "close"
    assert len(sent) < len(body)
    quick = WonderblogsTarget(api_key=KEY, get_context=samples.context, on_publish=lambda a: None)
    assert quick.body_timeout == 30.0
    with pytest.raises(ConfigurationError, match="body_timeout"):
        WonderblogsTarget(
            api_key=KEY, get_context=samples.context, on_publish=print, body_timeout=0
        )


def test_a_repeated_recent_list_is_answered_from_its_checked_json_and_a_changed_one_is_not():
    """The JSON of the store's list is reused only while the list is equal by
    value: a store that changes one list in place is still answered right."""

    class OneList:
        """A store that hands out the same list object every time."""

        def __init__(self) -> None:
            self.items = [{"title": "First", "summary": "One"}]

        def recent_articles(self, limit: int) -> list[dict[str, str]]:
            return self.items

    store = OneList()
    target = WonderblogsTarget(api_key=KEY, get_context=samples.brand(), store=store)  # type: ignore[arg-type]
    auth = {"authorization": f"Bearer {KEY}"}

    def titles() -> list[str]:
        answer = target.handle(Request("GET", auth))
        assert answer.status == 200
        return [a["title"] for a in json.loads(answer.body)["recent_articles"]]

    assert titles() == ["First"]
    assert titles() == ["First"]
    store.items[0]["title"] = "Edited in place"
    store.items.append({"title": "Second", "summary": "Two"})
    assert titles() == ["Edited in place", "Second"]
    store.items[0]["title"] = "x" * 600  # past the contract's limit: checked, not reused
    assert target.handle(Request("GET", auth)).status == 500


class _GatedStore:
    """A SQLite store whose saves wait for each other: each save waits until
    another is under way beside it (or no other is still to come), so a bound
    of two is met exactly and a missing bound shows as more."""

    def __init__(self, store: Any, total: int) -> None:
        self.store, self.total = store, total
        self.active = self.entered = self.peak = 0
        self.turns = threading.Condition()

    def save(self, payload: PublishPayload) -> Any:
        with self.turns:
            self.active += 1
            self.entered += 1
            self.peak = max(self.peak, self.active)
            self.turns.notify_all()
            self.turns.wait_for(lambda: self.active >= 2 or self.entered == self.total, 10)
        try:
            return self.store.save(payload)
        finally:
            with self.turns:
                self.active -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


@pytest.mark.parametrize("entry", ["sync", "async"])
def test_at_most_max_concurrent_saves_articles_are_checked_and_saved_at_once(tmp_path, entry):
    """Many bodies in flight cost about their own bytes: the others wait with
    only their bodies read, and every article is saved in the end."""
    from wonderblogs_target.stores.sqlite import SQLiteStore

    store = _GatedStore(SQLiteStore(tmp_path / "gated.db"), total=6)
    target = WonderblogsTarget(
        api_key=KEY, get_context=samples.brand(), store=store, max_concurrent_saves=2
    )
    requests = [post(samples.body(samples.payload(slug=f"post-{n}"))) for n in range(6)]
    if entry == "sync":
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(6) as pool:
            statuses = [answer.status for answer in pool.map(target.handle, requests)]
    else:

        async def all_at_once() -> list[int]:
            answers = await asyncio.gather(*(target.handle_async(r) for r in requests))
            return [answer.status for answer in answers]

        statuses = asyncio.run(all_at_once())
    assert statuses == [200] * 6
    assert store.peak == 2
    assert store.count() == 6
    store.close()


def test_a_body_that_breaks_the_contract_is_422_and_nothing_is_saved_with_a_store(tmp_path):
    from wonderblogs_target.stores.sqlite import SQLiteStore

    store = SQLiteStore(tmp_path / "s.db")
    target = WonderblogsTarget(api_key=KEY, get_context=samples.brand(), store=store)
    answer = target.handle(post(samples.body(samples.payload(title="x" * 501))))
    assert answer.status == 422
    assert "title" in json.loads(answer.body)["details"][0]["field"]
    assert store.count() == 0
    store.close()


def test_a_body_in_several_chunks_is_read_whole_and_one_chunk_is_not_copied():
    from wonderblogs_target._flow import ReadBody

    article = samples.body(samples.PAYLOAD)
    chunks = [article[i : i + 100] for i in range(0, len(article), 100)]
    assert len(chunks) > 2
    assert ReadBody(iter(chunks), len(article)).perform() == article
    assert ReadBody(iter(chunks), len(article) - 1).perform() is None

    async def stream(parts: list[bytes]) -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    assert asyncio.run(ReadBody(stream(chunks), len(article)).perform_async()) == article
    assert asyncio.run(ReadBody(stream([article]), len(article)).perform_async()) is article
    assert asyncio.run(ReadBody(stream([]), 10).perform_async()) == b""
