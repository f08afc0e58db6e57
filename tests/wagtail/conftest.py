"""The Wagtail project's database, its page tree, the endpoint, and the real
servers the cover images come from. Runs only in the child pytest that
``tests/test_wagtail.py`` starts (``WONDERBLOGS_TEST_WAGTAIL=1``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.emulator_server import emulator_server
from tests.image_server import image_server
from wonderblogs_target.testing import WonderblogsEmulator

V1_KEY = "wb_v1_key"


@pytest.fixture(scope="session")
def wagtail_db() -> str:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return "default"


@pytest.fixture
def blog(wagtail_db: str) -> Any:
    """A clean blog: the index page at /blog/ of the default site, no posts,
    no articles, no images."""
    from wagtail.images import get_image_model

    from tests.wagtail_project.blog.fresh import fresh_blog
    from wonderblogs_target.contrib.django.models import Article, Delivery

    Delivery.objects.all().delete()
    Article.objects.all().delete()
    get_image_model().objects.all().delete()
    return fresh_blog()


@pytest.fixture
def editor(wagtail_db: str) -> Any:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="editor", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


@pytest.fixture(scope="session")
def images() -> Iterator[str]:
    with image_server() as url:
        yield url


@pytest.fixture
def allowed_images(images: str) -> Iterator[str]:
    """The image server, on loopback, allowed as a site allows its internal
    image host (by default such an address is refused)."""
    from django.conf import settings
    from django.test import override_settings

    with override_settings(WONDERBLOGS={**settings.WONDERBLOGS, "IMAGES_ALLOW": ["127.0.0.1"]}):
        yield images


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[tuple[str, WonderblogsEmulator]]:
    """The v1 emulator as a real HTTP server on a loopback port; a run or an
    image job has finished by its first poll, so nothing waits."""
    with emulator_server(V1_KEY, polls_to_finish=1) as running:
        yield running
