"""The httpx transport that holds a download to `Destinations`.

It sits in front of the real transport, so it sees every request the client
sends: the first one and each hop of a redirect. For each it resolves the host
once, checks every address, and rewrites the request to the checked address;
the ``Host`` header and TLS's server name keep the original name, so virtual
hosts and certificates work as before, and no second lookup can move the
connection elsewhere (DNS rebinding). With a `Deadline`,
every request it passes on is bounded by the time the whole download has left.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from ._images import Deadline, Destinations
from .errors import ImageDownloadError
from .http import DEFAULT_PORTS

__all__ = ["GuardedTransport"]


def _origin(scheme: str, host: str | None, port: int | None) -> tuple[str, str, int]:
    scheme = scheme.lower()
    return scheme, (host or "").lower(), port or DEFAULT_PORTS.get(scheme, 0)


class GuardedTransport(httpx.BaseTransport):
    """Refuses any request to an address `Destinations` does not allow.

    ``trusted`` is the v1 API's address, configured by the site: requests to
    that origin pass as they are (a redirect from it to elsewhere is checked).
    """

    def __init__(
        self,
        destinations: Destinations,
        *,
        trusted: str | None = None,
        inner: httpx.BaseTransport | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.destinations = destinations
        self.deadline = deadline
        parts = urlsplit(trusted) if trusted else None
        self.trusted = _origin(parts.scheme, parts.hostname, parts.port) if parts else None
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in DEFAULT_PORTS:
            raise ImageDownloadError(f"the image URL's scheme {url.scheme!r} is not http(s)")
        if self.deadline is not None:
            left = self.deadline.remaining()
            timeouts = request.extensions.get("timeout", {})
            request.extensions = {
                **request.extensions,
                "timeout": {
                    phase: left if timeouts.get(phase) is None else min(timeouts[phase], left)
                    for phase in ("connect", "read", "write", "pool")
                },
                "trace": self.deadline.trace,
            }
        origin = _origin(url.scheme, url.host, url.port)
        if origin != self.trusted:
            address = self.destinations.address_for(url.host, origin[2])
            request.url = url.copy_with(host=address)
            if url.scheme == "https":
                request.extensions = {**request.extensions, "sni_hostname": url.host}
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
