"""``path("api/wonderblogs", include("wonderblogs_target.contrib.django.urls"))``

One pattern serves the URL with and without its trailing slash: Wonderblogs
does not follow redirects on a POST, so ``APPEND_SLASH`` must never be needed.
Reverse it as ``wonderblogs:endpoint``.
"""

from __future__ import annotations

from django.urls import re_path

from .views import endpoint

app_name = "wonderblogs"

urlpatterns = [re_path(r"^(?:/)?\Z", endpoint, name="endpoint")]
