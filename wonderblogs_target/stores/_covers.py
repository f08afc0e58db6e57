"""Fetching an article's cover for a store that keeps a copy (the Markdown
store's ``images=download``, Wagtail): the download rules of
[`_images`][wonderblogs_target._images] (where it may go, its size, type and
time), applied through the package's v1 client, whose rule is that the key
goes to the API's own host only.
"""

from __future__ import annotations

from typing import Any

from .._images import (
    DOWNLOADS_AT_ONCE,
    TURN_WAIT,
    Deadline,
    Destinations,
    DownloadedImage,
    ImageLimits,
    download_turns,
)
from ..errors import ImageDownloadError, WonderblogsAPIError

__all__ = ["ImageFetcher"]


class ImageFetcher:
    """Fetches covers within `ImageLimits`, only from where
    `Destinations` allows. ``v1_api_key`` is needed only for relative
    Wonderblogs paths; the v1 API's own address (``base_url``, set by the site,
    not by an article) is trusted as it is. ``transport`` takes any httpx
    transport (the emulator's, in tests); the destination check runs in front
    of it."""

    def __init__(
        self,
        *,
        v1_api_key: str | None = None,
        base_url: str | None = None,
        limits: ImageLimits | None = None,
        destinations: Destinations | None = None,
        transport: Any = None,
    ) -> None:
        self.v1_api_key = v1_api_key or None
        self.base_url = base_url
        self.limits = limits or ImageLimits()
        self.destinations = destinations or Destinations()
        self.transport = transport
        try:
            import httpx  # noqa: F401
        except ImportError as exc:
            from .._extras import missing_extra

            raise missing_extra("httpx", "client") from exc

    def fetch(self, url: str) -> DownloadedImage:
        """The image at ``url`` (absolute, or a path on the v1 API), or an
        [`ImageDownloadError`][wonderblogs_target.errors.ImageDownloadError] saying why it is not
        kept."""
        import httpx

        deadline = Deadline(self.limits.timeout)
        try:
            if not download_turns.acquire(timeout=min(TURN_WAIT, deadline.remaining())):
                raise ImageDownloadError(
                    f"{DOWNLOADS_AT_ONCE} other downloads are running; this one was not started"
                )
            try:
                return self._fetch(url, deadline)
            finally:
                download_turns.release()
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, UnicodeError) as exc:
            # A URL that cannot even be requested costs the cover, never the article.
            raise ImageDownloadError(f"the image URL cannot be fetched: {exc}") from None
        finally:
            deadline.close()

    def _fetch(self, url: str, deadline: Deadline) -> DownloadedImage:
        from .._guarded import GuardedTransport
        from ..client import DEFAULT_BASE_URL, RetryPolicy, WonderblogsClient, same_origin

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
        guarded = GuardedTransport(
            self.destinations, trusted=base_url, inner=self.transport, deadline=deadline
        )
        client = WonderblogsClient(
            self.v1_api_key or "unused",
            base_url=base_url,
            timeout=self.limits.timeout,
            transport=guarded,
            # One quick retry: the article is waiting for this answer.
            retry=RetryPolicy(max_retries=1, initial=0.2),
        )
        try:
            return client.fetch_image(url, limits=self.limits)
        except WonderblogsAPIError as exc:
            if deadline.expired:
                raise deadline.error() from exc
            raise ImageDownloadError(f"the download failed: {exc}") from exc
        finally:
            client.close()
