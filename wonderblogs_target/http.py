"""The plain request and response values the core speaks.

Adapters build a `Request` from their framework's request and turn the
`Response` back into their framework's response; nothing else crosses
the boundary. Keeping these free of any framework is what lets one core serve
ASGI, WSGI, FastAPI, Flask and Django alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "DEFAULT_PORTS",
    "ROUTED_METHODS",
    "Body",
    "ClientDisconnected",
    "HeaderLookup",
    "Request",
    "Response",
    "headers_from_pairs",
    "iter_chunks",
    "wsgi_body",
]

#: The methods an adapter routes to the core, which answers the ones it does not
#: serve with its own JSON 405, the same in every framework.
ROUTED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

#: The port a URL without one means, by scheme.
DEFAULT_PORTS = {"http": 80, "https": 443}

#: A body already in memory, or a stream of chunks the core reads up to its limit.
Body = bytes | Iterable[bytes] | AsyncIterable[bytes]


class ClientDisconnected(Exception):
    """The client went away before its body was complete: there is no one to answer."""


class HeaderLookup(Protocol):
    """Anything that finds a header value by lower-case name: a dict with lower-case
    keys, or a framework's own case-insensitive header object."""

    def get(self, key: str, /) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Request:
    """An incoming request.

    ``headers`` must answer ``.get(name)`` for lower-case names; every framework's
    own header object does (they are case-insensitive), so adapters pass it as is.
    ``body`` is bytes, or a chunk stream so that an oversized body is refused
    without being read into memory.
    """

    method: str
    headers: HeaderLookup
    body: Body = b""


@dataclass(frozen=True, slots=True)
class Response:
    """An outgoing response: status, header pairs (lower-case names) and body bytes.

    Frozen, because the core hands out shared instances for its fixed answers.
    """

    status: int
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """First value of header ``name`` (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


def headers_from_pairs(pairs: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-cased header dict from raw ASGI pairs, decoded as Latin-1 like every
    Python framework does, so the original bytes can always be recovered."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in pairs:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def iter_chunks(
    read: Callable[[int], bytes], length: int | None, chunk_size: int = 65_536
) -> Iterator[bytes]:
    """Chunks from a file-like ``read``, stopping at ``length`` when it is known.

    WSGI servers may block on a read past Content-Length, so the length, when
    given, is the only end we trust.
    """
    if length is not None and length <= chunk_size:
        # The usual case, one read: done lazily by map, with no generator frame
        # to resume on every request.
        return map(read, (length,)) if length else iter(())
    return _chunks(read, length, chunk_size)


def _chunks(read: Callable[[int], bytes], length: int | None, chunk_size: int) -> Iterator[bytes]:
    remaining = length
    while remaining is None or remaining > 0:
        size = chunk_size if remaining is None else min(chunk_size, remaining)
        chunk = read(size)
        if not chunk:
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


def _content_length(environ: Mapping[str, Any]) -> int | None:
    raw = environ.get("CONTENT_LENGTH") or ""
    if raw.strip().isdigit():
        return int(raw)
    # Without a length, only a server that marks the input as terminated lets us
    # read to the end safely (PEP 3333 leaves other reads past the end undefined).
    return None if environ.get("wsgi.input_terminated") else 0


def wsgi_body(environ: Mapping[str, Any]) -> Iterator[bytes]:
    """The request body of a WSGI environ, read no further than its end (the
    WSGI adapter, and Django under a WSGI server)."""
    return iter_chunks(environ["wsgi.input"].read, _content_length(environ))
