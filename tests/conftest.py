from __future__ import annotations

from typing import Any

import pytest

from tests import samples
from tests.clients.frameworks import CLIENTS, ClientFactory

KEY = "wb-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


def pytest_configure(config: pytest.Config) -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="tests-only",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF="tests.django_urls",
            MIDDLEWARE=[
                "django.middleware.common.CommonMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
            ],
            INSTALLED_APPS=[],
            APPEND_SLASH=False,
        )
        django.setup()


class Recorder:
    """Callbacks for the target that record what they were given."""

    def __init__(self) -> None:
        self.published: list[Any] = []
        self.context: dict[str, Any] = samples.context()

    def get_context(self) -> dict[str, Any]:
        return self.context

    def on_publish(self, payload: Any) -> None:
        self.published.append(payload)

    async def get_context_async(self) -> dict[str, Any]:
        return self.context

    async def on_publish_async(self, payload: Any) -> None:
        self.published.append(payload)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(params=sorted(CLIENTS))
def make_client(request: pytest.FixtureRequest) -> ClientFactory:
    """Builds a client for one framework from target options; the suite runs once per framework."""
    return CLIENTS[request.param]
