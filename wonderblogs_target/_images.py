"""Cover images fetched for a site: the one place that says what a download may
be (its size, its type, its time) and where it may go. The stores' fetcher
(`stores._covers`) and the v1 client apply these rules.

Where it may go (`Destinations`): an article names the URL, so a site
that fetched it blindly would let whoever writes an article make the server
request its own loopback services, its private network or the cloud's
metadata address, and publish the answer as an image. Each host is resolved
once; every address it resolves to must be on the public internet, on the
first request and on every redirect, and the connection goes to the address
that was checked, so a second lookup cannot change it. A site that really
keeps its images on an internal host names it (or its network) in ``allow``.

The Markdown store and the Wagtail app both keep a copy of an article's cover.
An absolute URL is fetched as it is; a path on the Wonderblogs API
(``/api/v1/images/download/...``) needs the v1 key, and goes through the
package's client, whose rule is that the key is sent to the API's own host only.
A failed download never costs the article: callers keep the post with the
original URL and log the [`ImageDownloadError`][wonderblogs_target.errors.ImageDownloadError]'s
reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, ImageDownloadError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "IMAGE_TYPES",
    "Destinations",
    "DownloadedImage",
    "ImageLimits",
]

#: The image types a site can show safely, and the extension each is saved
#: with. SVG is left out on purpose: it can carry script, and the copy is served
#: from the site's own origin.
IMAGE_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/avif": ".avif",
}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Seconds for the whole download, from the first connection to the last byte,
#: redirects and the retry included: a server that sends a byte a second,
#: headers or body, cannot hold a worker.
DEFAULT_TIMEOUT = 20.0
#: Downloads running at once in one process, and how long a cover waits for
#: a turn: past that it is a failed download (the post is kept), so slow image
#: hosts can hold only this many of the server's worker threads, never all.
DOWNLOADS_AT_ONCE = 8
TURN_WAIT = 2.0
#: The turns themselves, taken by every fetch of the process.
download_turns = threading.BoundedSemaphore(DOWNLOADS_AT_ONCE)


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.timeout <= 0:
            raise ConfigurationError("image limits must be positive")


_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.?")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Iterable[str]]


def _resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system's resolver, hosts file included)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ImageDownloadError(f"the image's host {host!r} does not resolve") from exc
    return [str(info[4][0]) for info in found]


def _not_public(address: IPAddress) -> str | None:
    """Why ``address`` is not a public internet address, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for reason, applies in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if applies:
            return reason
    return None if address.is_global else "not global"


@dataclass(frozen=True)
class Destinations:
    """Where a download made on an article's behalf may connect.

    By default only to public internet addresses. ``allow`` names the
    exceptions a site makes on purpose: host names (matched exactly, any
    case) and networks (``10.1.0.0/16``, or one address); everything else
    that is loopback, private, link-local, multicast, reserved or unspecified
    is refused, however the URL spells it.
    """

    allow: tuple[str, ...] = ()
    resolver: Resolver = field(default=_resolve, compare=False, repr=False)
    _hosts: frozenset[str] = field(init=False, repr=False, compare=False)
    _networks: tuple[Network, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hosts: set[str] = set()
        networks: list[Network] = []
        for entry in (e.strip() for e in self.allow):
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if not _HOST_NAME.fullmatch(entry):
                    raise ConfigurationError(
                        f"images allow-list entry {entry!r} is neither a host name nor a network"
                    ) from None
                hosts.add(entry.lower().rstrip("."))
        object.__setattr__(self, "_hosts", frozenset(hosts))
        object.__setattr__(self, "_networks", tuple(networks))

    def address_for(self, host: str, port: int) -> str:
        """The checked address to connect to for ``host``, or an
        [`ImageDownloadError`][wonderblogs_target.errors.ImageDownloadError] saying why it may not
        be reached."""
        name = host.lower().rstrip(".")
        addresses = list(self.resolver(name, port))
        if not addresses:
            raise ImageDownloadError(f"the image's host {host!r} does not resolve")
        if name in self._hosts:
            return addresses[0]
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if any(address in network for network in self._networks):
                continue
            reason = _not_public(address)
            if reason is not None:
                # Every address must pass: a name resolving to a public and a
                # private address could be steered to the private one.
                raise ImageDownloadError(
                    f"the image's host {host!r} is at {address} ({reason}), not a public "
                    "internet address; a site that fetches from it on purpose allows it "
                    "(images_allow=)"
                )
        return addresses[0]


@dataclass(frozen=True)
class DownloadedImage:
    content: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return IMAGE_TYPES[self.content_type]

    @property
    def digest(self) -> str:
        """A short content hash: a file name with it can never be a person's file,
        and the same image downloaded twice lands on the same name."""
        return hashlib.sha256(self.content).hexdigest()[:16]


class Deadline:
    """One time limit for a whole download, enforced on its sockets.

    httpx's timeouts are per read, so a server sending a byte every few
    seconds never trips them. Each connection the download opens is
    registered (through httpx's ``trace`` extension); when the time is up a
    timer shuts them down, which ends a blocked read at once, and
    `remaining` refuses any further request (a redirect hop, the retry).
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._end = clock() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def error(self) -> ImageDownloadError:
        return ImageDownloadError(f"the download took over {self.seconds:g} s")

    def remaining(self) -> float:
        """Seconds left; raises the download's error once there are none."""
        left = self._end - self.clock()
        if self.expired or left <= 0:
            raise self.error()
        return left

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's ``trace`` hook: keeps each newly connected socket."""
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if not self.expired:
                    return
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def close(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    # shutdown, not close: it wakes a read blocked in another thread.
    with contextlib.suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)


class Capped:
    """Collects a streamed body, stopping at the size and time limits."""

    def __init__(self, limits: ImageLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._chunks: list[bytes] = []
        self._size = 0
        self._deadline = clock() + limits.timeout

    def check_announced(self, headers: httpx.Headers) -> None:
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.limits.max_bytes:
            raise ImageDownloadError(
                f"the image is {int(length)} bytes, over the limit of {self.limits.max_bytes}"
            )

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self.limits.max_bytes:
            raise ImageDownloadError(
                f"the image is over the limit of {self.limits.max_bytes} bytes"
            )
        if self.clock() > self._deadline:
            raise ImageDownloadError(f"the download took over {self.limits.timeout:g} s")
        self._chunks.append(chunk)

    def body(self) -> bytes:
        return b"".join(self._chunks)


def _looks_like(content_type: str, content: bytes) -> bool:
    """Whether ``content`` starts with the signature of ``content_type``."""
    if content_type == "image/webp":
        return content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    if content_type == "image/avif":
        return content[4:8] == b"ftyp" and content[8:12] in (b"avif", b"avis")
    return content.startswith(_SIGNATURES[content_type])


#: The first bytes of each kept type (WebP and AVIF are checked at an offset).
_SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}


def checked_image(headers: httpx.Headers, content: bytes) -> DownloadedImage:
    """The image in a finished download (the client has turned an error status
    into its exception already), or why it is not one we keep: the declared
    type must be one we keep, and the bytes must be of that type, since the
    copy is served from the site's own origin with the type its name says."""
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        raise ImageDownloadError(
            f"content type {content_type or 'missing'!r} is not one of {', '.join(IMAGE_TYPES)}"
        )
    if not content:
        raise ImageDownloadError("the image is empty")
    if not _looks_like(content_type, content):
        raise ImageDownloadError(f"the body is not a {content_type} file, as its type claims")
    return DownloadedImage(content, content_type)
