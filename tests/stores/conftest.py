"""The stores under test. A new store joins the whole store suite by adding one
entry to ``BACKENDS``: how to open it, and how to make its next write fail."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from unittest import mock

import pytest

from wonderblogs_target.stores import Store, open_store


@dataclass
class Backend:
    """One kind of store, as the suite sees it."""

    name: str
    #: A new handle on the same storage (the suite opens several, also in child processes).
    open: Callable[[], Store]
    #: While active, the store's next write fails the way a real failure would.
    break_writes: Callable[[Store], AbstractContextManager[None]]
    #: False where earlier versions are not kept (their numbers still count up).
    keeps_revisions: bool = True
    #: Run before forking writer processes (a child must not share the parent's connections).
    before_fork: Callable[[], None] = lambda: None
    #: Run by each writer thread when it is done (to release per-thread connections).
    thread_done: Callable[[], None] = lambda: None
    #: A handle on the same storage that keeps that many earlier versions of a
    #: post (None where none are kept at all).
    keeping: Callable[[int], Store] | None = None


@contextmanager
def _drop_revision_table(url: str, store: Store) -> Iterator[None]:
    """A re-push fails half-way: its post update would succeed, its revision
    insert cannot. What the store then leaves behind shows whether it wrote whole."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.split(":///", 1)[1]) as db:
            db.execute("DROP TABLE wb_revisions")
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as db:
            db.execute("DROP TABLE wb_revisions")
    yield


@contextmanager
def _full_disk(store: Store) -> Iterator[None]:
    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    with mock.patch.object(os, "replace", no_space):
        yield


def _url_backend(name: str, url: str) -> Backend:
    if name.startswith("markdown"):
        return Backend(name, partial(open_store, url), _full_disk, keeps_revisions=False)

    def keeping(revisions: int) -> Store:
        joiner = "&" if "?" in url else "?"
        return open_store(f"{url}{joiner}revisions={revisions}")

    return Backend(
        name, partial(open_store, url), partial(_drop_revision_table, url), keeping=keeping
    )


@contextmanager
def _without_revision_table(store: Store) -> Iterator[None]:
    from django.db import connections

    from wonderblogs_target.contrib.django.models import ArticleRevision

    alias = store.using  # type: ignore[attr-defined]
    with connections[alias].schema_editor() as editor:
        editor.delete_model(ArticleRevision)
    try:
        yield
    finally:
        with connections[alias].schema_editor() as editor:
            editor.create_model(ArticleRevision)


def _django_backend(name: str, alias: str) -> Backend:
    """The Django ORM store on one of the test project's databases, emptied first."""
    from django.db import connections

    from wonderblogs_target.contrib.django.models import Article, Delivery
    from wonderblogs_target.contrib.django.store import DjangoStore

    Delivery.objects.using(alias).all().delete()
    Article.objects.using(alias).all().delete()  # revisions go with their articles
    return Backend(
        name,
        partial(DjangoStore, using=alias),
        _without_revision_table,
        before_fork=connections.close_all,
        thread_done=connections.close_all,
        keeping=lambda revisions: DjangoStore(using=alias, revisions=revisions),
    )


def _git_repository(folder: Path) -> Path:
    """A site checkout: a real repository with a first commit."""
    import subprocess

    folder.mkdir(parents=True)
    for args in (
        ["init", "--quiet", "--initial-branch=main"],
        ["commit", "--quiet", "--allow-empty", "-m", "site"],
    ):
        subprocess.run(
            ["git", "-c", "user.name=Site", "-c", "user.email=site@example.org", *args],
            cwd=folder,
            check=True,
        )
    return folder


def _wagtail_backend(alias: str, request: pytest.FixtureRequest) -> Backend:
    """The Wagtail store on the Wagtail project's database (child run only),
    under a fresh blog index and its German translation, with Wagtail's i18n on;
    covers are left out (the Wagtail tests have them)."""
    from django.test import override_settings
    from wagtail.models import Locale

    from tests.wagtail_project.blog.fresh import fresh_blog
    from tests.wagtail_project.blog.models import BlogPage
    from wonderblogs_target.contrib.wagtail.conf import WagtailSettings
    from wonderblogs_target.contrib.wagtail.store import WagtailStore

    base = _django_backend("wagtail", alias)
    index = fresh_blog()
    german, _ = Locale.objects.get_or_create(language_code="de")
    index.copy_for_translation(german, copy_parents=True)
    i18n = override_settings(WAGTAIL_I18N_ENABLED=True)
    i18n.enable()
    request.addfinalizer(i18n.disable)
    config = WagtailSettings(
        parent="/blog/",
        page_model=BlogPage,
        fields={"body": "content", "intro": "description", "tags": "tags"},
        publish=False,
    )
    base.open = partial(WagtailStore, using=alias, config=config)
    base.keeping = lambda revisions: WagtailStore(using=alias, config=config, revisions=revisions)
    return base


BACKENDS = [
    "sqlite",
    "postgres",
    "markdown",
    "markdown-jekyll",
    "markdown-pelican",
    "markdown-mkdocs-drafts",
    "markdown-astro",
    "markdown-git",
    "django-sqlite",
    "django-postgres",
]
if os.environ.get("WONDERBLOGS_TEST_WAGTAIL") == "1":
    # The child run of tests/test_wagtail.py, with the Wagtail project's settings.
    BACKENDS = ["wagtail"]
# The Markdown store in each generator's format, and committing every write.
_MARKDOWN_QUERIES = {
    "markdown": "",
    "markdown-jekyll": "?generator=jekyll",
    "markdown-pelican": "?generator=pelican",
    "markdown-mkdocs-drafts": "?generator=mkdocs&draft=true",
    "markdown-astro": "?generator=astro",
    "markdown-git": "?git=commit",
}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return _url_backend("sqlite", f"sqlite:///{tmp_path}/posts.db")
    if request.param == "markdown-git":
        site = _git_repository(tmp_path / "site")
        return _url_backend(request.param, f"markdown:///{site}/content/posts?git=commit")
    if request.param in _MARKDOWN_QUERIES:
        query = _MARKDOWN_QUERIES[request.param]
        return _url_backend(request.param, f"markdown:///{tmp_path}/posts{query}")
    if request.param == "wagtail":
        return _wagtail_backend(request.getfixturevalue("django_db"), request)
    if request.param == "django-sqlite":
        return _django_backend(request.param, request.getfixturevalue("django_db"))
    if request.param == "django-postgres":
        return _django_backend(request.param, request.getfixturevalue("django_postgres"))
    return _url_backend("postgres", str(request.getfixturevalue("fresh_database")))


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    opened = backend.open()
    yield opened
    opened.close()
