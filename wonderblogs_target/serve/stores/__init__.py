"""Where ``wonderblogs-target serve`` keeps the articles it receives.

Every store promises the same things, and one test suite holds them to it:

* a re-push of the same slug and locale updates the post instead of adding one;
* a rewrite (``action: "update"``) finds its post by ``externalId`` first;
* concurrent pushes of the same post leave exactly one current post;
* a write either happens whole or not at all; a failed one raises, so the
  target answers 5xx and Wonderblogs keeps the article for a re-push;
* the newest posts come first.

Stores are chosen by URL: ``sqlite:///wonderblogs.db`` (three slashes and a
relative path, four for an absolute one), ``postgresql://user@host/db``, and
``markdown:///content/posts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from ...errors import ConfigurationError
from ...models import PublishPayload, RecentArticle

__all__ = ["DEFAULT_STORE_URL", "Store", "StoredPost", "open_store"]

DEFAULT_STORE_URL = "sqlite:///wonderblogs.db"


@dataclass(frozen=True)
class StoredPost:
    """A post as a store holds it: the article, plus identity and history."""

    id: str
    payload: PublishPayload
    published_at: datetime
    updated_at: datetime
    revision: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def recent_article(self) -> RecentArticle:
        return RecentArticle(title=self.payload.title, summary=self.payload.description)


class Store(Protocol):
    """The storage interface the server needs."""

    def save(self, payload: PublishPayload) -> StoredPost:
        """Insert or update the post; raises when nothing could be written."""
        ...

    def recent(self, limit: int = 50) -> list[StoredPost]:
        """The newest posts first."""
        ...

    def get(self, post_id: str) -> StoredPost | None: ...

    def revisions(self, post_id: str) -> list[StoredPost]:
        """Earlier versions of a post, newest first (empty where not kept)."""
        ...

    def close(self) -> None: ...


def _path(url: str) -> str:
    """The file path of a ``scheme:///relative`` or ``scheme:////absolute`` URL."""
    rest = url.split("://", 1)[1]
    if not rest.startswith("/") or len(rest) < 2:
        raise ConfigurationError(f"store URL needs a path after '///': {url!r}")
    return rest[1:].split("?", 1)[0]


def open_store(url: str) -> Store:
    """The store a URL names."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from .sqlite import SQLiteStore

        return SQLiteStore(_path(url))
    if scheme in ("postgresql", "postgres"):
        from .postgres import PostgresStore

        return PostgresStore(url)
    if scheme == "markdown":
        from .markdown import MarkdownStore

        options = parse_qs(urlsplit(url).query)
        default_locale = options.get("default_locale", ["en"])[0]
        return MarkdownStore(_path(url), default_locale=default_locale)
    raise ConfigurationError(
        f"unknown store {url!r}; use sqlite:///file.db, postgresql://... or markdown:///dir"
    )
