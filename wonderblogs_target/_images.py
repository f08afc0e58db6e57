"""Cover images fetched for a site: the one place that says what a download may
be (its size, its type, its time) and how a relative Wonderblogs path is reached.

The Markdown store and the Wagtail app both keep a copy of an article's cover.
An absolute URL is fetched as it is; a path on the Wonderblogs API
(``/api/v1/images/download/...``) needs the v1 key, and goes through the
package's client, whose rule is that the key is sent to the API's own host only.
A failed download never costs the article: callers keep the post with the
original URL and log the :class:`ImageDownloadError`'s reason.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, ImageDownloadError, WonderblogsAPIError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "IMAGE_TYPES",
    "DownloadedImage",
    "ImageFetcher",
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
#: Seconds for the whole download, not per read: a server that sends a byte a
#: second cannot hold a worker.
DEFAULT_TIMEOUT = 20.0


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.timeout <= 0:
            raise ConfigurationError("image limits must be positive")


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


def checked_image(headers: httpx.Headers, content: bytes) -> DownloadedImage:
    """The image in a finished download (the client has turned an error status
    into its exception already), or why it is not one we keep."""
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        raise ImageDownloadError(
            f"content type {content_type or 'missing'!r} is not one of {', '.join(IMAGE_TYPES)}"
        )
    if not content:
        raise ImageDownloadError("the image is empty")
    return DownloadedImage(content, content_type)


class ImageFetcher:
    """Fetches covers within :class:`ImageLimits`. ``v1_api_key`` is needed only
    for relative Wonderblogs paths; ``transport`` takes any httpx transport (the
    emulator's, in tests)."""

    def __init__(
        self,
        *,
        v1_api_key: str | None = None,
        base_url: str | None = None,
        limits: ImageLimits | None = None,
        transport: Any = None,
    ) -> None:
        self.v1_api_key = v1_api_key or None
        self.base_url = base_url
        self.limits = limits or ImageLimits()
        self.transport = transport
        try:
            import httpx  # noqa: F401
        except ImportError as exc:
            from ._extras import missing_extra

            raise missing_extra("httpx", "client") from exc

    def fetch(self, url: str) -> DownloadedImage:
        from .client import DEFAULT_BASE_URL, RetryPolicy, WonderblogsClient, same_origin

        relative = url.startswith("/")
        if relative and self.v1_api_key is None:
            raise ImageDownloadError(
                "the image is on the Wonderblogs API and needs the v1 key "
                "(--wonderblogs-key or WONDERBLOGS_V1_API_KEY)"
            )
        if not relative and not url.lower().startswith(("http://", "https://")):
            raise ImageDownloadError("the image URL is not http(s)")
        base_url = self.base_url or DEFAULT_BASE_URL
        if self.v1_api_key is None and same_origin(url, base_url):
            raise ImageDownloadError("the image is on the Wonderblogs API and needs the v1 key")
        # The client sends its key to the API's own host only; without a key,
        # no URL reaching here is on that host, so the stand-in is never sent.
        client = WonderblogsClient(
            self.v1_api_key or "unused",
            base_url=base_url,
            timeout=self.limits.timeout,
            transport=self.transport,
            # One quick retry: the article is waiting for this answer.
            retry=RetryPolicy(max_retries=1, initial=0.2),
        )
        try:
            return client.fetch_image(url, limits=self.limits)
        except WonderblogsAPIError as exc:
            raise ImageDownloadError(f"the download failed: {exc}") from exc
        finally:
            client.close()
