"""Settings of the test Django project: the adapter views, the reusable app
with its admin, on SQLite (``default``) and PostgreSQL (``postgres``, a real
server the tests start on ``tests.postgres.PORT`` when first needed)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests import postgres, samples

# A worker process started by a test (``db_worker``) shares its parent's files.
DATA = Path(os.environ.get("WONDERBLOGS_TEST_DATA") or tempfile.mkdtemp(prefix="wb-django-"))

SECRET_KEY = "tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.django_project.urls"
USE_TZ = True
APPEND_SLASH = False
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
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA / "db.sqlite3")},
    "postgres": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "wb_django",
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": str(postgres.PORT),
    },
}

# A run of the app's tests against PostgreSQL (tests/test_django_on_postgres.py)
# makes the parent's server this project's default database.
if os.environ.get("WONDERBLOGS_TEST_DATABASE") == "postgres":
    DATABASES["default"] = {**DATABASES["postgres"], "NAME": "wb_django_default"}

WONDERBLOGS_KEY = "wb-django-app-key"
WONDERBLOGS = {
    "API_KEY": WONDERBLOGS_KEY,
    "CONTEXT": samples.brand(),
    "PUBLISH_STATUS": "draft",
}
