"""Generic ASGI and WSGI specifics: mounting, paths, lifespan, disconnects, WSGI input."""

from __future__ import annotations

import asyncio
import io
import warnings
from typing import Any
from wsgiref.validate import validator

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from tests import samples
from tests.helpers import AUTH, KEY, Recorder
from wonderblogs_target.asgi import create_wonderblogs_app
from wonderblogs_target.http import iter_chunks
from wonderblogs_target.wsgi import WSGIHeaders, create_wonderblogs_wsgi_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def asgi(recorder: Recorder):
    return create_wonderblogs_app(
        api_key=KEY, get_context=recorder.get_context, on_publish=recorder.on_publish
    )


def test_under_a_mount_the_trailing_slash_form_is_served():
    recorder = Recorder()
    app = Starlette(routes=[Mount("/api/wonderblogs", asgi(recorder))])
    client = TestClient(app, follow_redirects=False)
    response = client.post("/api/wonderblogs/", headers=AUTH, content=samples.body(samples.PAYLOAD))
    assert response.status_code == 200
    assert len(recorder.published) == 1


@pytest.mark.parametrize("path", ["/", "/api/wonderblogs", "/api/wonderblogs/"])
def test_the_bare_app_answers_on_any_path_without_redirect(path):
    client = TestClient(asgi(Recorder()), follow_redirects=False)
    assert client.get(path, headers=AUTH).status_code == 200


def test_lifespan_is_answered():
    async def scenario() -> list[str]:
        sent: list[str] = []
        inbox = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

        async def receive() -> dict[str, Any]:
            return next(inbox)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message["type"])

        await asgi(Recorder())({"type": "lifespan"}, receive, send)
        return sent

    assert asyncio.run(scenario()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_client_disconnect_mid_body_sends_nothing_and_publishes_nothing():
    recorder = Recorder()

    async def scenario() -> list[Any]:
        sent: list[Any] = []
        inbox = iter(
            [
                {"type": "http.request", "body": b'{"slug": ', "more_body": True},
                {"type": "http.disconnect"},
            ]
        )

        async def receive() -> dict[str, Any]:
            return next(inbox)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/",
            "headers": [(b"authorization", f"Bearer {KEY}".encode())],
        }
        await asgi(recorder)(scope, receive, send)
        return sent

    assert asyncio.run(scenario()) == []
    assert recorder.published == []


def wsgi_call(app: Any, environ: dict[str, Any]) -> tuple[str, bytes]:
    result: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        result["status"] = status
        return lambda data: None

    iterable = validator(app)(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        iterable.close()
    return result["status"], body


def base_environ(body: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_AUTHORIZATION": f"Bearer {KEY}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **extra,
    }


def test_wsgi_reads_exactly_content_length():
    recorder = Recorder()
    app = create_wonderblogs_wsgi_app(
        api_key=KEY, get_context=recorder.get_context, on_publish=recorder.on_publish
    )
    body = samples.body(samples.PAYLOAD)
    trailing = body + b"GARBAGE THAT IS NOT OURS"
    status, _ = wsgi_call(app, base_environ(trailing, CONTENT_LENGTH=str(len(body))))
    assert status == "200 OK"
    assert len(recorder.published) == 1


def test_wsgi_chunked_input_is_read_when_the_server_marks_it_terminated():
    recorder = Recorder()
    app = create_wonderblogs_wsgi_app(
        api_key=KEY, get_context=recorder.get_context, on_publish=recorder.on_publish
    )
    body = samples.body(samples.PAYLOAD)
    status, _ = wsgi_call(app, base_environ(body, **{"wsgi.input_terminated": True}))
    assert status == "200 OK"
    # Without the marker and without a length there is no safe end: an empty body.
    status, _ = wsgi_call(app, base_environ(body))
    assert status == "400 Bad Request"


def test_wsgi_headers_view():
    headers = WSGIHeaders(
        {"HTTP_AUTHORIZATION": "Bearer x", "CONTENT_LENGTH": "3", "HTTP_X_TRACE_ID": "t"}
    )
    assert headers.get("authorization") == "Bearer x"
    assert headers.get("Content-Length") == "3"
    assert headers.get("missing") is None
    assert sorted(headers) == ["authorization", "content-length", "x-trace-id"]
    assert len(headers) == 3


class CountingReader:
    """A WSGI input that records each read size, to check what iter_chunks asks for."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.sizes: list[int] = []

    def read(self, size: int) -> bytes:
        self.sizes.append(size)
        return self.stream.read(size)


@pytest.mark.parametrize(
    ("data", "length", "chunk_size", "chunks", "sizes"),
    [
        (b"abcdef", 6, 4, [b"abcd", b"ef"], [4, 2]),  # several reads, never past the length
        (b"abc", 3, 4, [b"abc"], [3]),  # the usual single read
        (b"abcdef", 0, 4, [], []),  # nothing announced, nothing read
        (b"ab", 3, 4, [b"ab"], [3]),  # a short body: what came; the core sees it is short
        (b"ab", 9, 4, [b"ab"], [4, 4]),  # short over several reads: stops at the empty read
        (b"abcdef", None, 4, [b"abcd", b"ef"], [4, 4, 4]),  # no length: read to the end
    ],
)
def test_iter_chunks_reads_up_to_the_length_only(data, length, chunk_size, chunks, sizes):
    # Bytes past the announced length must stay unread (a server may block on them).
    beyond = b"NEXT" if length is not None and length <= len(data) else b""
    reader = CountingReader(data + beyond)
    assert list(iter_chunks(reader.read, length, chunk_size)) == chunks
    assert reader.sizes == sizes


def test_iter_chunks_reads_nothing_until_iterated():
    reader = CountingReader(b"abc")
    chunks = iter_chunks(reader.read, 3)
    assert reader.sizes == []  # the core refuses by Content-Length before any read
    assert next(chunks) == b"abc"
