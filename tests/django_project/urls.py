"""URLconf of the test project. ``FIXED`` is always served; the tests that
drive a view through Django's client put their own patterns in front of it
(``set_patterns``), as the adapter suite's ``DjangoClient`` does."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import clear_url_caches, include, path

from tests import samples
from tests.django_project import views
from wonderblogs_target.django import create_wonderblogs_view

# The plain view (no database), for the tests that serve the project for real.
plain = create_wonderblogs_view(
    api_key="plain-key", get_context=samples.context, on_publish=lambda article: None
)

FIXED: list[Any] = [
    path("admin/", admin.site.urls),
    path("plain/api/wonderblogs", plain),
    path("site/api/wonderblogs", include("wonderblogs_target.contrib.django.urls")),
    path("test-login/", views.test_login),
    path("test-admin-action/", views.test_admin_action),
]

urlpatterns: list[Any] = [*FIXED]


def set_patterns(*patterns: Any) -> None:
    """Serve ``patterns`` before the fixed ones, dropping earlier ones."""
    urlpatterns[:] = [*patterns, *FIXED]
    clear_url_caches()
