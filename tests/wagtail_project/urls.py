"""The Wagtail admin, the Wonderblogs endpoint (the Django app's URLs) and
Wagtail's page serving."""

from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from tests.django_project.views import test_login

urlpatterns = [
    path("test-login/", test_login),
    path("admin/", include(wagtailadmin_urls)),
    path("api/wonderblogs", include("wonderblogs_target.contrib.django.urls")),
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
    path("", include(wagtail_urls)),
]
