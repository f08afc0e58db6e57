"""A whole Django project in one file, to show the view as a urls.py has it."""

import os

import django
from django.conf import settings

settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"], SECRET_KEY="docs-only")
django.setup()

from site_callbacks import get_context, on_publish  # noqa: E402

KEY = os.environ["WONDERBLOGS_API_KEY"]
# --8<-- [start:urls]
from django.urls import path  # noqa: E402

from wonderblogs_target.django import create_wonderblogs_view  # noqa: E402

urlpatterns = [
    path(
        "api/wonderblogs",
        create_wonderblogs_view(api_key=KEY, get_context=get_context, on_publish=on_publish),
    ),
]
# --8<-- [end:urls]

from django.core.wsgi import get_wsgi_application  # noqa: E402

app = get_wsgi_application()
