"""An example project with the Wonderblogs app: articles land in the project's
database and show up in the admin at /admin/.

    python manage.py migrate && python manage.py runserver

``WONDERBLOGS_DB`` says where the SQLite file goes (default: wonderblogs.db in
the working directory). CSRF protection stays on; the endpoint is exempt by
design (it authenticates with the bearer key, not a cookie).
"""

import os
import sys

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "exampleproject.urls"
USE_TZ = True
STATIC_URL = "/static/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "wonderblogs_target.contrib.django",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("WONDERBLOGS_DB", "wonderblogs.db"),
    }
}

if "WONDERBLOGS_API_KEY" not in os.environ:
    sys.exit(
        "Set WONDERBLOGS_API_KEY to the Target Authentication Key, e.g. WONDERBLOGS_API_KEY=dev-key"
    )

WONDERBLOGS = {
    "API_KEY": os.environ["WONDERBLOGS_API_KEY"],
    "CONTEXT": {
        "brand_identity": "Acme builds deployment tooling for small platform teams.",
        "tone_of_voice": "Plain, precise, a little dry. No hype.",
        "instructions": "Show one runnable example per article. Audience: senior engineers.",
        "content_focus": "Cutting cloud spend without slowing teams down",
    },
    "PUBLISH_STATUS": "draft",
}
