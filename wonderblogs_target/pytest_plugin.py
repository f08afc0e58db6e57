"""The ``wonderblogs`` pytest plugin: fixtures for testing a site's Wonderblogs
integration, registered through the ``pytest11`` entry point, so installing the
package is all it takes (no ``conftest.py`` import).

Each fixture is a thin wrapper over [`wonderblogs_target.testing`][wonderblogs_target.testing],
imported
only when a test asks for it, so projects that use none of them pay nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .testing import ArticleFactory, WonderblogsEmulator

__all__ = ["wonderblogs_article", "wonderblogs_callback", "wonderblogs_emulator"]


@pytest.fixture
def wonderblogs_article() -> ArticleFactory:
    """``wonderblogs_article(**overrides)``: a valid publish payload (a dict);
    ``rewrite=True`` for the rewrite variant, ``.at_limits()`` for one with every
    field at its maximum."""
    from .testing import ArticleFactory

    return ArticleFactory()


@pytest.fixture
def wonderblogs_callback() -> Callable[..., tuple[dict[str, str], bytes]]:
    """``wonderblogs_callback("run.completed", secret=..., **fields)``: the
    headers and raw body of a signed callback."""
    from .testing import signed_callback

    return signed_callback


@pytest.fixture
def wonderblogs_emulator() -> Iterator[WonderblogsEmulator]:
    """An in-process v1 API: ``emulator.client()`` and ``emulator.async_client()``
    are bound to it and poll without sleeping; callbacks are retried without
    sleeping. Clients are closed after the test."""
    from .testing import WonderblogsEmulator

    options: dict[str, Any] = {"callback_sleep": lambda seconds: None}
    emulator = WonderblogsEmulator(**options)
    yield emulator
    emulator.close()
