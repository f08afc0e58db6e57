"""A real HTTP server on a loopback port that serves cover images, good and
bad, for the stores that download them (Markdown, Wagtail)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from wonderblogs_target.testing import PNG_PIXEL

BIG = 2 * 1024 * 1024
#: /held.png answers only once this is set (a download that holds its turn).
HELD = threading.Event()
#: What each server was asked: ``(path, Host header)`` per request, by port.
SEEN: dict[int, list[tuple[str, str]]] = {}


class _Images(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet test output

    def _send(self, status: int, content_type: str, body: bytes, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        SEEN.setdefault(self.server.server_address[1], []).append(
            (self.path, self.headers.get("Host", ""))
        )
        path, _, query = self.path.partition("?")
        if path in ("/302", "/307"):
            # A redirect to wherever ?to= says (an address the first hop hides).
            self.send_response(int(path[1:]))
            self.send_header("Location", query.removeprefix("to="))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/pixel.png":
            self._send(200, "image/png", PNG_PIXEL)
        elif path == "/photo.jpg":
            self._send(200, "image/jpeg; charset=binary", b"\xff\xd8\xff" + b"j" * 100)
        elif path == "/big.png":
            self._send(200, "image/png", b"\x89PNG" + b"0" * BIG)
        elif path == "/unannounced.png":
            # No Content-Length: the limit must hold while reading.
            self.close_connection = True
            self._send(200, "image/png", b"\x89PNG" + b"0" * BIG, length=False)
        elif path == "/disguised.png":
            # A page that says it is a PNG: kept as .png, it would be served as one.
            self._send(200, "image/png", b"<html><script>alert(1)</script></html>")
        elif path == "/page.html":
            self._send(200, "text/html", b"<html>not an image</html>")
        elif path == "/icon.svg":
            self._send(200, "image/svg+xml", b"<svg onload='alert(1)'/>")
        elif path == "/slow.png":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", "100")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"0")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass  # the client gave up, as it should
        elif path == "/slow-headers.png":
            # The headers a byte at a time: no single read waits long.
            head = (
                b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                + f"Content-Length: {len(PNG_PIXEL)}\r\nX-Pad: {'p' * 100}\r\n\r\n".encode()
            )
            try:
                for byte in head:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.05)
                self.wfile.write(PNG_PIXEL)
            except OSError:
                pass  # the client gave up, as it should
            self.close_connection = True
        elif path == "/held.png":
            HELD.wait(60)
            self._send(200, "image/png", PNG_PIXEL)
        else:
            self._send(404, "text/plain", b"no such image")


def seen(url: str) -> list[tuple[str, str]]:
    """The requests the server at ``url`` has answered so far."""
    return SEEN.get(int(url.rsplit(":", 1)[1]), [])


@contextmanager
def image_server() -> Iterator[str]:
    """The server's base URL, e.g. ``http://127.0.0.1:45678``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
