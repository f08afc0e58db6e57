"""Django specifics: CSRF exemption, sync or async view, the key from settings."""

from __future__ import annotations

import asyncio

from django.test import AsyncClient, override_settings

from tests import samples
from tests.contract.clients.frameworks import DjangoClient
from tests.helpers import AUTH, KEY, Recorder
from wonderblogs_target.django import create_wonderblogs_view


def test_post_passes_with_csrf_checks_enforced():
    recorder = Recorder()
    client = DjangoClient(
        enforce_csrf_checks=True,
        api_key=KEY,
        get_context=recorder.get_context,
        on_publish=recorder.on_publish,
    )
    response = client.request("POST", headers=AUTH, body=samples.body(samples.PAYLOAD))
    assert response.status == 200
    assert len(recorder.published) == 1
    assert client.view.csrf_exempt is True


def test_sync_callbacks_give_a_sync_view_and_async_ones_an_async_view():
    recorder = Recorder()
    sync_view = create_wonderblogs_view(
        api_key=KEY, get_context=recorder.get_context, on_publish=recorder.on_publish
    )
    async_view = create_wonderblogs_view(
        api_key=KEY, get_context=recorder.get_context, on_publish=recorder.on_publish_async
    )
    assert not asyncio.iscoroutinefunction(sync_view)
    assert asyncio.iscoroutinefunction(async_view)


def test_async_view_under_the_async_client():
    recorder = Recorder()
    DjangoClient(
        api_key=KEY,
        get_context=recorder.get_context_async,
        on_publish=recorder.on_publish_async,
    )

    async def scenario() -> tuple[int, int]:
        client = AsyncClient(enforce_csrf_checks=True)
        get = await client.get("/api/wonderblogs", headers=AUTH)
        post = await client.post(
            "/api/wonderblogs",
            data=samples.body(samples.PAYLOAD),
            content_type="application/json",
            headers=AUTH,
        )
        return get.status_code, post.status_code

    assert asyncio.run(scenario()) == (200, 200)
    assert recorder.published[0].slug == samples.PAYLOAD["slug"]


def test_key_comes_from_settings_per_request():
    recorder = Recorder()
    client = DjangoClient(get_context=recorder.get_context, on_publish=recorder.on_publish)
    with override_settings(WONDERBLOGS_API_KEY="settings-key"):
        good = client.request("GET", headers={"Authorization": "Bearer settings-key"})
        assert good.status == 200
    with override_settings(WONDERBLOGS_API_KEY="rotated-key"):
        stale = client.request("GET", headers={"Authorization": "Bearer settings-key"})
        assert stale.status == 401


# -- LoginRequiredMiddleware (Django 5.1+): members-only sites still let Wonderblogs in --

LOGIN_REQUIRED = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]


@override_settings(MIDDLEWARE=LOGIN_REQUIRED, LOGIN_URL="/login/")
def test_views_are_exempt_from_login_required_middleware(django_db):
    from django.test import Client

    from tests.django_project.settings import WONDERBLOGS_KEY

    recorder = Recorder()
    DjangoClient(api_key=KEY, get_context=recorder.get_context, on_publish=recorder.on_publish)
    client = Client()
    # The middleware is on: a page that is not exempt goes to the login page.
    assert client.get("/admin/").status_code == 302
    assert client.get("/test-login/").status_code == 302
    plain = client.get("/api/wonderblogs", headers=AUTH)
    assert plain.status_code == 200, plain.headers.get("Location")
    site = {"Authorization": f"Bearer {WONDERBLOGS_KEY}"}
    for path in ("/site/api/wonderblogs", "/site/api/wonderblogs/"):
        answer = client.get(path, headers=site)
        assert answer.status_code == 200, (path, answer.headers.get("Location"))
    # Without the key the answer is the endpoint's own 401, not a login redirect.
    assert client.get("/site/api/wonderblogs").status_code == 401


@override_settings(MIDDLEWARE=LOGIN_REQUIRED, LOGIN_URL="/login/")
def test_async_view_is_exempt_and_awaited_under_login_required_middleware():
    recorder = Recorder()
    DjangoClient(
        api_key=KEY, get_context=recorder.get_context_async, on_publish=recorder.on_publish_async
    )

    async def scenario() -> int:
        answer = await AsyncClient().get("/api/wonderblogs", headers=AUTH)
        return answer.status_code

    assert asyncio.run(scenario()) == 200


def test_the_async_view_stays_a_coroutine_function_on_every_django():
    """Before Django 5.0, ``csrf_exempt`` hid a coroutine function behind a sync
    wrapper; the exemption must not depend on that decorator."""
    from wonderblogs_target.contrib.django.views import endpoint

    recorder = Recorder()
    view = create_wonderblogs_view(
        api_key=KEY, get_context=recorder.get_context, on_publish=recorder.on_publish_async
    )
    assert asyncio.iscoroutinefunction(view)
    for exempted in (view, endpoint):
        assert exempted.csrf_exempt is True
        assert exempted.login_required is False
