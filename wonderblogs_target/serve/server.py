"""The HTTP server ``serve`` starts: uvicorn, speaking HTTP/1.1 through h11.

h11 is chosen over httptools (which uvicorn prefers when it is installed) for
one reason: it bounds the request head. httptools keeps reading a header block
of any size, so one request without a key could hold hundreds of megabytes of
the server's memory; h11 stops buffering a head that is still incomplete at
`HEADER_LIMIT` bytes (a head that arrived whole in one read of the socket
is parsed as it is). uvicorn answers that with a plain 400;
`HeaderCappedH11Protocol` answers what it is, 431, in the package's
JSON error form, and closes the connection.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from .._endpoint import error_response

__all__ = [
    "HEADER_LIMIT",
    "LARGE_BLOCK",
    "HeaderCappedH11Protocol",
    "give_back_large_blocks",
    "server_options",
]

#: The largest request line and header block ``serve`` reads, in bytes.
#: Wonderblogs sends a few hundred; a proxy in front adds a few more.
HEADER_LIMIT = 32 * 1024

_TOO_LARGE = error_response(
    431, f"The request line and headers exceed {HEADER_LIMIT} bytes", None, ("connection", "close")
)
_TOO_LARGE_BYTES = b"".join(
    [
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        *(f"{name}: {value}\r\n".encode("latin-1") for name, value in _TOO_LARGE.headers),
        f"content-length: {len(_TOO_LARGE.body)}\r\n\r\n".encode("latin-1"),
        _TOO_LARGE.body,
    ]
)


class HeaderCappedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, answering 431 when the head passes the limit.

    h11 refuses a head longer than its ``max_incomplete_event_size`` with an
    error uvicorn turns into 400; the head is still in h11's buffer then, which
    tells the two cases apart without reading h11's message text.
    """

    def send_400_response(self, msg: str) -> None:
        unread, _ = self.conn.trailing_data
        if len(unread) <= HEADER_LIMIT:
            super().send_400_response(msg)
            return
        self.transport.write(_TOO_LARGE_BYTES)
        self.transport.close()


def server_options() -> dict[str, Any]:
    """The keyword arguments ``serve`` passes to `run`."""
    return {
        "http": HeaderCappedH11Protocol,
        "h11_max_incomplete_event_size": HEADER_LIMIT,
        "server_header": False,
        # The app writes its own line per request (serve.access.AccessLog).
        "access_log": False,
    }


#: Blocks of this size or more get pages of their own, given back when freed.
LARGE_BLOCK = 1024 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>


def give_back_large_blocks() -> bool:
    """Have glibc map each block of `LARGE_BLOCK` bytes or more on its own and
    unmap it when freed; whether it could (only glibc can, on Linux).

    By default glibc raises that threshold each time such a block is freed
    (up to 32 MiB), so after the first large body every later one comes from
    the heap, whose freed space each thread's arena keeps for itself: with 64
    bodies of 5 MiB in flight, ``serve`` held about 2.5 times their bytes at
    the peak although its live objects were half that, and kept it. An article
    of a few kilobytes never reaches the threshold and costs nothing more.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK))
