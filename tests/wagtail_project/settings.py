"""A real Wagtail project for the Wagtail app's tests: the Django test project
plus Wagtail, a blog app (``tests.wagtail_project.blog``) and the two
Wonderblogs apps, on its own SQLite file. Its tests (``tests/wagtail/``) run in
a child pytest started by ``tests/test_wagtail.py``."""

from __future__ import annotations

import os
from importlib.util import find_spec

from tests.django_project.settings import *  # noqa: F403
from tests.django_project.settings import DATA, DATABASES, INSTALLED_APPS, MIDDLEWARE, WONDERBLOGS

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "wonderblogs_target.contrib.wagtail",
    "tests.wagtail_project.blog",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.locales",
    "wagtail",
    "modelcluster",
    "taggit",
    # The task backend of the deferred-work tests, and its worker (db_worker):
    # installed with the test dependencies (not where only the types are checked).
    *([] if find_spec("django.tasks") else ["django_tasks"]),
    *(["django_tasks_db"] if find_spec("django_tasks_db") else []),
]
MIDDLEWARE = [*MIDDLEWARE, "wagtail.contrib.redirects.middleware.RedirectMiddleware"]
ROOT_URLCONF = "tests.wagtail_project.urls"
DATABASES = {
    **DATABASES,
    "default": {**DATABASES["default"], "NAME": str(DATA / "wagtail.sqlite3")},
}
MEDIA_ROOT = str(DATA / "media")
MEDIA_URL = "/media/"
STATIC_ROOT = str(DATA / "static")
WAGTAIL_SITE_NAME = "Wonderblogs test site"
WAGTAILADMIN_BASE_URL = "http://localhost"
LANGUAGE_CODE = "en"
LANGUAGES = WAGTAIL_CONTENT_LANGUAGES = [("en", "English"), ("de", "German")]
USE_I18N = True
WAGTAIL_I18N_ENABLED = False  # the i18n tests turn it on
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

WONDERBLOGS = {
    **WONDERBLOGS,
    "V1_API_KEY": "wb_v1_key",
    # Nothing listens here: a test that wants the emulator says where it is.
    "V1_BASE_URL": "http://127.0.0.1:9",
    "WAGTAIL": {
        "PARENT_PAGE": "/blog/",
        "PAGE_MODEL": "blog.BlogPage",
        "FIELDS": {
            "body": "content",
            "intro": "description",
            "cover": "coverImageUrl",
            "tags": "tags",
        },
        "PUBLISH": False,
    },
}

#: What the deferred-work tests run with: covers downloaded by a real
#: ``db_worker`` of django-tasks-db, a short lease so that a killed worker's
#: job is taken again soon, the tests' image server allowed. The test process
#: sets it with override_settings; the worker it starts, by the environment.
DEFERRED = {
    "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
    "WONDERBLOGS": {
        **WONDERBLOGS,
        "DEFER": ["covers"],
        "DEFERRED_JOBS": {"LEASE": 2, "FIRST_PAUSE": 0.5, "ATTEMPTS": 3},
        "IMAGES_ALLOW": ["127.0.0.1"],
    },
}
if os.environ.get("WONDERBLOGS_TEST_DEFERRED") == "1":
    TASKS = DEFERRED["TASKS"]
    WONDERBLOGS = DEFERRED["WONDERBLOGS"]
