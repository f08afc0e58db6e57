"""Test your integration without Wonderblogs: valid articles and signed
callbacks to send, a conformance assertion for your app, and an in-process
emulator of the v1 API. The pytest fixtures (``wonderblogs_article``,
``wonderblogs_callback``, ``wonderblogs_emulator``) are thin wrappers over this
module, registered by the ``wonderblogs`` pytest plugin that comes with the
package. Needs httpx (the ``testing`` or ``client`` extra).

    from wonderblogs_target.testing import assert_conformant

    def test_my_endpoint():
        assert_conformant(app, api_key="test-key")  # any ASGI or WSGI app, in process

The emulator::

    from wonderblogs_target.client import WonderblogsClient
    from wonderblogs_target.testing import WonderblogsEmulator

    emulator = WonderblogsEmulator(api_keys=["wb_test_key"])
    with WonderblogsClient("wb_test_key", transport=emulator.transport()) as client:
        run = client.wait_for_run(client.generate_post("Faster CI on a budget"))

It follows the documented behaviour, not "anything goes": the same request
validation and error bodies, runs that move from pending through running to a
terminal status as they are polled, 404 for another site's run, the 5 (posts)
and 10 (images) per-minute rate limits when ``rate_limit=True``, the image
download path behind the bearer key, and signed callbacks to ``callback_url``
with the documented retries. It is an httpx transport (sync and async) and an
ASGI app. Needs the ``client`` extra (httpx).
"""

from .emulator import Delivery, WonderblogsEmulator
from .factories import PNG_PIXEL, ArticleFactory, signed_callback
from .kit import app_transport, assert_conformant, check_app

__all__ = [
    "PNG_PIXEL",
    "ArticleFactory",
    "Delivery",
    "WonderblogsEmulator",
    "app_transport",
    "assert_conformant",
    "check_app",
    "signed_callback",
]
