"""The v1 API client, sync and async, against the emulator and scripted transports.
A fake clock drives every wait: nothing here really sleeps."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from wonderblogs_target import RunCompletedEvent
from wonderblogs_target.client import (
    APIConnectionError,
    AsyncWonderblogsClient,
    AuthenticationError,
    BadRequestError,
    ImageJobFailedError,
    NotFoundError,
    PollPolicy,
    RateLimitError,
    RetryPolicy,
    RunFailedError,
    RunSkippedError,
    ServerError,
    WaitTimeoutError,
    WonderblogsAPIError,
    WonderblogsClient,
)
from wonderblogs_target.testing import PNG_PIXEL, WonderblogsEmulator
from wonderblogs_target.v1 import RunAccepted
from wonderblogs_target.wsgi import create_wonderblogs_callback_wsgi_app

KEY = "wb_live_test_0123456789abcdef"
LONG_TEXT = "An existing post that is long enough to be rewritten. " * 4


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Api:
    """One face for both clients: async calls are run to completion on one loop."""

    def __init__(self, client: Any, loop: asyncio.AbstractEventLoop | None) -> None:
        self.client = client
        self.loop = loop

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            return self.loop.run_until_complete(result) if self.loop else result

        return call


@pytest.fixture(params=["sync", "async"])
def make_api(request):
    clock = FakeClock()
    loop = asyncio.new_event_loop() if request.param == "async" else None
    made: list[Api] = []

    def make(
        transport_handler: Callable[[httpx.Request], httpx.Response] | None = None,
        *,
        key: str = KEY,
        emulator: WonderblogsEmulator | None = None,
        **options: Any,
    ) -> Api:
        handler = transport_handler or (emulator or WonderblogsEmulator(api_keys=[KEY])).handle
        transport = httpx.MockTransport(handler)
        if loop is None:
            client: Any = WonderblogsClient(
                key, transport=transport, sleep=clock.sleep, clock=clock, **options
            )
        else:
            client = AsyncWonderblogsClient(
                key, transport=transport, sleep=clock.asleep, clock=clock, **options
            )
        api = Api(client, loop)
        made.append(api)
        return api

    make.clock = clock  # type: ignore[attr-defined]
    make.mode = request.param  # type: ignore[attr-defined]
    yield make
    for api in made:
        api.aclose() if loop else api.close()
    if loop:
        loop.close()


def emulator(**options: Any) -> WonderblogsEmulator:
    return WonderblogsEmulator(api_keys=[KEY], **options)


# -- the happy paths ----------------------------------------------------------------------


def test_generate_and_wait(make_api):
    emu = emulator()
    api = make_api(emulator=emu)
    accepted = api.generate_post("Cutting cloud spend", language="de")
    assert accepted.status == "pending"
    run = api.wait_for_run(accepted)
    assert run.status == "completed"
    assert run.post is not None
    assert run.post.slug == "cutting-cloud-spend"
    assert run.completed_at is not None
    assert make_api.clock.sleeps == [1.0]
    assert ("GET", accepted.poll_url) in emu.requests


def test_rewrite_translate_and_images(make_api):
    emu = emulator()
    api = make_api(emulator=emu)
    rewrite = api.rewrite_post(LONG_TEXT, existing_slug="old-slug", external_id="ext-1")
    assert api.wait_for_run(rewrite.run_id).post.slug == "old-slug"
    translated = api.translate_post(LONG_TEXT, "fr", topic="A French version")
    assert api.wait_for_run(translated).post.image_url is None
    job = api.wait_for_image(api.generate_image("A title", "Some content"))
    assert job.status == "completed"
    assert api.download_image(job.image_url) == PNG_PIXEL
    assert api.get_image_job(job.job_id).status == "completed"
    assert api.get_run(rewrite.run_id).status == "completed"


def test_poll_backoff_grows_by_half_up_to_five_seconds(make_api):
    api = make_api(emulator=emulator(polls_to_finish=9))
    api.wait_for_run(api.generate_post("Slow topic"))
    assert make_api.clock.sleeps == [1.0, 1.5, 2.25, 3.375, 5.0, 5.0, 5.0, 5.0]


def test_poll_policy_is_configurable(make_api):
    api = make_api(emulator=emulator(polls_to_finish=4), poll=PollPolicy(2.0, 2.0, 3.0))
    api.wait_for_run(api.generate_post("Slow topic"))
    assert make_api.clock.sleeps == [2.0, 3.0, 3.0]


def test_wait_timeout_carries_the_last_status(make_api):
    api = make_api(emulator=emulator(polls_to_finish=10_000))
    accepted = api.generate_post("Never ends")
    with pytest.raises(WaitTimeoutError) as caught:
        api.wait_for_run(accepted, timeout=10)
    assert caught.value.last_status.status == "running"
    assert sum(make_api.clock.sleeps) == pytest.approx(10)


@pytest.mark.parametrize(
    ("outcome", "error"), [("failed", RunFailedError), ("skipped", RunSkippedError)]
)
def test_failed_and_skipped_runs(make_api, outcome, error):
    emu = emulator()
    api = make_api(emulator=emu)
    emu.next_outcome(outcome, "No content focus available")
    with pytest.raises(error) as caught:
        api.wait_for_run(api.generate_post("Doomed topic"))
    assert caught.value.message == "No content focus available"
    assert caught.value.run.status == outcome
    emu.next_outcome(outcome, "again")
    returned = api.wait_for_run(api.generate_post("Doomed topic"), raise_on_failure=False)
    assert (returned.status, returned.error) == (outcome, "again")


def test_failed_image_job(make_api):
    emu = emulator()
    api = make_api(emulator=emu)
    emu.next_outcome("failed", "Image generation failed")
    with pytest.raises(ImageJobFailedError, match="Image generation failed"):
        api.wait_for_image(api.generate_image("t", "c"))


# -- validation before sending -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args", "kwargs"),
    [
        ("generate_post", ("ab",), {}),
        ("generate_post", ("x" * 501,), {}),
        ("generate_post", ("Fine topic",), {"language": "xx"}),
        ("generate_post", ("Fine topic",), {"callback_url": "http://site.example/hook"}),
        ("generate_post", ("Fine topic",), {"callback_url": "not a url"}),
        ("rewrite_post", ("too short",), {}),
        ("rewrite_post", ("x" * 30_001,), {}),
        ("rewrite_post", (LONG_TEXT,), {"existing_slug": "s" * 201}),
        ("rewrite_post", (LONG_TEXT,), {"external_id": "e" * 501}),
        ("rewrite_post", (LONG_TEXT,), {"topic": "ab"}),
        ("translate_post", (LONG_TEXT, "klingon"), {}),
        ("generate_image", ("t" * 1_001, "content"), {}),
        ("generate_image", ("title", "c" * 50_001), {}),
    ],
)
def test_bad_requests_are_refused_before_sending(make_api, method, args, kwargs):
    emu = emulator()
    api = make_api(emulator=emu)
    with pytest.raises(ValidationError):
        getattr(api, method)(*args, **kwargs)
    assert emu.requests == []


def test_limits_are_inclusive(make_api):
    api = make_api()
    api.generate_post("abc")
    api.generate_post("x" * 500, callback_url="https://site.example/hook")
    api.rewrite_post("x" * 100, existing_slug="s" * 200, external_id="e" * 500)
    api.rewrite_post("x" * 30_000)


# -- errors and retries ----------------------------------------------------------------------


def test_api_errors_are_typed(make_api):
    emu = emulator()
    with pytest.raises(AuthenticationError) as caught:
        make_api(emulator=emu, key="wb_wrong").generate_post("Topic here")
    assert caught.value.status == 401
    assert caught.value.message == "Invalid or expired API key"
    api = make_api(emulator=emu)
    with pytest.raises(NotFoundError, match="Run not found"):
        api.get_run("run-missing")
    other = WonderblogsEmulator(api_keys=[KEY, "wb_other"])
    run_id = make_api(emulator=other, key="wb_other").generate_post("Theirs").run_id
    with pytest.raises(NotFoundError):
        make_api(emulator=other).get_run(run_id)


def test_emulator_validation_errors_have_the_documented_shape():
    emu = emulator()
    auth = {"Authorization": f"Bearer {KEY}"}
    bad = emu.handle(
        httpx.Request(
            "POST",
            "https://x/api/v1/posts/generate",
            json={"topic": "ok topic", "callback_url": "http://insecure.example"},
            headers=auth,
        )
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "Invalid request body"
    assert bad.json()["details"][0]["path"] == ["callback_url"]
    broken = emu.handle(
        httpx.Request("POST", "https://x/api/v1/posts/generate", content=b"{", headers=auth)
    )
    assert broken.json() == {"error": "Invalid JSON"}


def test_bad_request_error_carries_details(make_api):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"error": "Invalid request body", "details": [{"path": ["topic"]}]}
        )

    with pytest.raises(BadRequestError) as caught:
        make_api(handler).generate_post("Fine topic")
    assert caught.value.details == [{"path": ["topic"]}]


def test_rate_limit_waits_as_told_and_then_succeeds(make_api):
    clock = make_api.clock
    api = make_api(emulator=emulator(rate_limit=True, clock=clock))
    for n in range(5):
        api.generate_post(f"Topic number {n}")
    assert clock.sleeps == []
    api.generate_post("The sixth topic")
    assert clock.sleeps == [60.0]


def test_rate_limit_error_when_retries_run_out(make_api):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429, json={"error": "Rate limit exceeded."}, headers={"Retry-After": "7"}
        )

    with pytest.raises(RateLimitError) as caught:
        make_api(handler, retry=RetryPolicy(max_retries=2)).generate_post("Topic here")
    assert caught.value.retry_after == 7.0
    assert make_api.clock.sleeps == [7.0, 7.0]


class Script:
    """A transport that answers from a list: responses, or exceptions to raise."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


RUNNING = {"run_id": "r1", "status": "completed"}
ACCEPTED = {"run_id": "r1", "status": "pending", "poll_url": "/api/v1/posts/runs/r1"}


def test_get_retries_5xx_and_connection_errors_with_backoff(make_api):
    script = Script(
        httpx.Response(503, json={"error": "busy"}),
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.Response(200, json=RUNNING),
    )
    assert make_api(script).get_run("r1").status == "completed"
    assert make_api.clock.sleeps == [0.5, 1.0, 2.0]


def test_get_gives_up_after_max_retries(make_api):
    script = Script(
        *[httpx.Response(500, json={"error": "Internal server error"}) for _ in range(4)]
    )
    with pytest.raises(ServerError) as caught:
        make_api(script).get_run("r1")
    assert caught.value.status == 500
    assert len(script.requests) == 4


@pytest.mark.parametrize(
    "failure",
    [
        lambda: httpx.Response(500, json={"error": "Internal server error"}),
        lambda: httpx.ReadTimeout("slow"),
    ],
    ids=["5xx", "read-timeout"],
)
def test_creating_post_is_not_retried_when_it_may_have_been_processed(make_api, failure):
    script = Script(failure(), httpx.Response(202, json=ACCEPTED))
    with pytest.raises((ServerError, APIConnectionError)):
        make_api(script).generate_post("Topic here")
    assert len(script.requests) == 1


def test_creating_post_is_retried_when_surely_not_sent(make_api):
    script = Script(httpx.ConnectError("refused"), httpx.Response(202, json=ACCEPTED))
    assert make_api(script).generate_post("Topic here").run_id == "r1"
    assert len(script.requests) == 2


def test_foreign_poll_url_is_not_followed(make_api):
    script = Script(httpx.Response(200, json=RUNNING))
    accepted = RunAccepted(run_id="r1", poll_url="https://evil.example/steal")
    make_api(script).wait_for_run(accepted)
    assert [str(r.url) for r in script.requests] == [
        "https://www.wonderblogs.org/api/v1/posts/runs/r1"
    ]


def test_run_ids_cannot_escape_the_path(make_api):
    script = Script(httpx.Response(200, json=RUNNING))
    make_api(script).get_run("../../admin")
    assert script.requests[0].url.raw_path == b"/api/v1/posts/runs/..%2F..%2Fadmin"


def test_the_key_goes_to_the_api_host_only(make_api):
    script = Script(*[httpx.Response(200, content=b"img") for _ in range(3)])
    api = make_api(script)
    api.download_image("/api/v1/images/download/post/1")
    api.download_image("https://www.wonderblogs.org/api/v1/images/download/post/2")
    api.download_image("https://cdn.example/image.webp")
    sent = [r.headers.get("authorization") for r in script.requests]
    assert sent == [f"Bearer {KEY}", f"Bearer {KEY}", None]


def test_the_key_never_shows(make_api, caplog):
    script = Script(
        httpx.Response(503, json={"error": "busy"}),
        httpx.Response(401, json={"error": "Invalid or expired API key"}),
    )
    api = make_api(script)
    with (
        caplog.at_level(logging.DEBUG, logger="wonderblogs_target"),
        pytest.raises(WonderblogsAPIError) as caught,
    ):
        api.get_run("r1")
    assert KEY not in repr(api.client)
    assert KEY not in str(caught.value) + repr(caught.value)
    assert KEY not in caplog.text
    assert "retrying" in caplog.text


@pytest.mark.parametrize("key", ["", " padded", "k\n"])
def test_bad_keys_are_refused(key):
    from wonderblogs_target import ConfigurationError

    with pytest.raises(ConfigurationError):
        WonderblogsClient(key)


def test_context_managers():
    transport = WonderblogsEmulator(api_keys=[KEY]).transport()
    with WonderblogsClient(KEY, transport=transport) as client:
        assert client.generate_post("Topic here").status == "pending"

    async def scenario() -> str:
        async with AsyncWonderblogsClient(KEY, transport=transport) as client:
            return (await client.generate_post("Topic here")).status

    assert asyncio.run(scenario()) == "pending"


def test_emulator_served_as_an_asgi_app():
    emu = WonderblogsEmulator(api_keys=[KEY], polls_to_finish=1)

    async def scenario() -> str:
        transport = httpx.ASGITransport(app=emu)
        async with AsyncWonderblogsClient(KEY, transport=transport) as client:
            run = await client.wait_for_run(await client.generate_post("Over ASGI"))
            return run.post.title

    assert asyncio.run(scenario()) == "Over ASGI"


# -- callbacks from the emulator ----------------------------------------------------------------


def receiver_transport(statuses: list[int], events: list[Any], secret: str) -> httpx.WSGITransport:
    """A real receiver (WSGI) that can be told to fail the first deliveries."""

    def on_event(event: Any) -> None:
        if statuses:
            raise RuntimeError("not yet")
        events.append(event)

    app = create_wonderblogs_callback_wsgi_app(api_key=secret, on_event=on_event)
    return httpx.WSGITransport(app=app)


def test_emulator_delivers_signed_callbacks_with_retries():
    events: list[Any] = []
    failures = [1, 1]
    transport = receiver_transport(failures, events, "site-target-key")
    original = transport.handle_request

    def flaky(request: httpx.Request) -> httpx.Response:
        response = original(request)
        if failures:
            failures.pop()
        return response

    transport.handle_request = flaky  # type: ignore[method-assign]
    sleeps: list[float] = []
    emu = WonderblogsEmulator(
        api_keys=[KEY],
        target_key="site-target-key",
        callback_transport=transport,
        callback_sleep=sleeps.append,
    )
    with WonderblogsClient(KEY, transport=emu.transport()) as client:
        client.generate_post("Callbacks please", callback_url="https://site.example/hook")
    emu.finish_all()
    [delivery] = emu.deliveries
    assert delivery.statuses == [500, 500, 200]
    assert sleeps == [1.0, 2.0]
    [event] = events
    assert isinstance(event, RunCompletedEvent)
    assert event.post.title == "Callbacks please"


def test_a_4xx_stops_callback_retries():
    events: list[Any] = []
    emu = WonderblogsEmulator(
        api_keys=[KEY],
        target_key="the-real-key",
        callback_transport=receiver_transport([], events, "a-different-key"),
        callback_sleep=lambda s: None,
    )
    emu.handle(
        httpx.Request(
            "POST",
            "https://x/api/v1/images/generate",
            json={"title": "t", "content": "c", "callback_url": "https://site.example/img"},
            headers={"Authorization": f"Bearer {KEY}"},
        )
    )
    emu.finish_all()
    assert emu.deliveries[0].statuses == [401]
    assert events == []
