"""What every store shares: the post it returns, the interface it keeps, the
context's list, the identity of a post and of the checker's test articles,
and the safe spelling of a store's URL. The stores import this module, and
the package face (`stores`) re-exports its public names, so that opening a
store by URL imports the store's module without a cycle.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .._limits import RECENT_ARTICLES_MAX

if TYPE_CHECKING:
    from ..models import PublishPayload

logger = logging.getLogger("wonderblogs_target.stores")

DEFAULT_STORE_URL = "sqlite:///wonderblogs.db"
#: Earlier versions kept of each post, newest first: enough to see what a
#: rewrite changed, and a bound on growth (every re-push adds one). ``0``
#: keeps none. The store URL's ``?revisions=`` and the Django app's
#: ``WONDERBLOGS["REVISIONS"]`` set it.
DEFAULT_REVISIONS = 50


def revisions_kept(value: object) -> int:
    """A revision retention setting, checked: a whole number, 0 or more."""
    from ..errors import ConfigurationError

    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise ConfigurationError(
            f"revisions must be a whole number of revisions to keep, 0 or more, not {value!r}"
        )
    return int(text)


def revision_made_old(replaced: int, kept: int) -> int:
    """The revision number a re-push makes old, under a setting that keeps
    ``kept`` revisions, when it keeps revision ``replaced`` (the version it
    replaces): every store deletes that one, by number, in the re-push's own
    transaction. Not "every revision up to it": on PostgreSQL that range walks
    the index entries of every revision deleted before, dead until vacuumed,
    so each re-push of a post would cost more than the last. Revisions a
    larger setting left are for ``trim_revisions`` (``prune``)."""
    return replaced - kept


#: How many recent articles the context may carry (the contract's limit).
RECENT_LIMIT = RECENT_ARTICLES_MAX


@dataclass(frozen=True)
class StoredPost:
    """A post as a store holds it: the article as received, plus identity and history."""

    id: str
    payload: PublishPayload
    published_at: datetime
    updated_at: datetime
    revision: int = 1

    @property
    def recent_article(self) -> dict[str, str]:
        """The post as the context's ``recent_articles`` lists it."""
        return recent_article(self.payload.title, self.payload.description)


class Store(Protocol):
    """What the target needs of a place that keeps articles.

    Implementations must keep the promises in this module's docstring; the
    store suite in the project's tests checks each one, and a new store joins
    it with one fixture.

    A store may also keep the articles it failed to store, so that a person
    can apply them again: it offers a
    [`DeliveryLog`][wonderblogs_target.stores.DeliveryLog] as its
    ``delivery_log`` attribute, and the target records into it.
    """

    #: Where the posts are, resolved and absolute, with any password removed:
    #: what a person needs to find them (logged when the store opens).
    location: str

    def save(self, payload: PublishPayload) -> StoredPost:
        """Insert or update the post; raise when nothing could be written."""
        ...

    def recent(self, limit: int = RECENT_LIMIT) -> list[StoredPost]:
        """The newest posts first."""
        ...

    def recent_articles(self, limit: int = RECENT_LIMIT) -> list[dict[str, str]]:
        """The newest posts as the context lists them: ``{"title", "summary"}``,
        newest first. Cheaper than [`recent`][wonderblogs_target.stores.Store.recent]: no whole
        article is built."""
        ...

    def get(self, post_id: str) -> StoredPost | None:
        """The current version of a post, or None (also for an id that cannot exist)."""
        ...

    def find(self, slug: str, locale: str) -> StoredPost | None:
        """The current post with this slug and locale (compared in NFC), or None."""
        ...

    def revisions(self, post_id: str) -> list[StoredPost]:
        """Earlier versions of a post, newest first (empty where not kept)."""
        ...

    def revision_count(self, post_id: str) -> int:
        """How many earlier versions of a post are kept: what
        ``len(revisions(post_id))`` would say, without loading them (the
        inbox's post page shows the count at any number of revisions)."""
        ...

    def count(self) -> int:
        """How many posts there are (current versions only)."""
        ...

    def trim_revisions(self, *, dry_run: bool = False) -> int:
        """Remove the revisions beyond the store's retention setting (left by
        writes made under a larger one); how many went (or would go)."""
        ...

    def remove(self, post_id: str) -> bool:
        """Remove a post with its revisions and what the store made for it (its
        file, its page); False when there is no such post. A post a person
        changed since the store wrote it is left as it is: that raises
        [`PublishRejected`][wonderblogs_target.errors.PublishRejected] (409)
        saying why."""
        ...

    def close(self) -> None:
        """Release connections and files; the store is not used afterwards."""
        ...


def recent_list(rows: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """The context's ``recent_articles`` from (title, description) pairs: each
    article's description is its summary. Built in one comprehension, since a
    GET lists fifty of them."""
    return [{"title": title, "summary": description} for title, description in rows]


def recent_article(title: str, description: str) -> dict[str, str]:
    """One entry of the context's ``recent_articles`` (see `recent_list`)."""
    return recent_list(((title, description),))[0]


#: Slugs of the articles ``wonderblogs-target check --publish`` sends. Stores
#: keep them apart: never published (a draft in the Markdown store, Wagtail and
#: the Django app) and marked in the ``serve`` inbox and the Django admin.
CHECK_SLUG_PREFIX = "wonderblogs-target-check-"


def is_check_article(payload: PublishPayload) -> bool:
    """Whether ``payload`` is a test article of ``wonderblogs-target check``."""
    return payload.slug.startswith(CHECK_SLUG_PREFIX)


def numeric_id(post_id: str) -> int | None:
    """The row id in ``post_id`` for stores with integer keys, or None when no
    row can have it (not digits, or past 64 bits, which would overflow the
    database driver instead of merely finding nothing)."""
    if post_id.isascii() and post_id.isdigit() and int(post_id) < 2**63:
        return int(post_id)
    return None


def post_identity(payload: PublishPayload) -> tuple[str, str]:
    """The (slug, locale) a post is known by, in Unicode NFC.

    macOS file names and some keyboards produce decomposed (NFD) text, so the
    same visible slug can arrive in two spellings; comparing the NFC forms makes
    them one post. The payload itself is kept as received.
    """
    return unicodedata.normalize("NFC", payload.slug), unicodedata.normalize("NFC", payload.locale)


_SECRET_PARAMETERS = frozenset({"password", "passwd", "pass", "pwd", "secret", "token"})


def redact_url(url: str) -> str:
    """``url`` with every password replaced by ``***``, in the user part and in
    the query (libpq also takes ``?password=``): safe for logs and errors."""
    parts = urlsplit(url)
    changed = False
    if parts.password is not None:
        changed = True
        userinfo, _, host = parts.netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        parts = parts._replace(netloc=f"{user}:***@{host}")
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(name.lower() in _SECRET_PARAMETERS for name, _ in pairs):
            changed = True
            query = [
                (name, "***" if name.lower() in _SECRET_PARAMETERS else value)
                for name, value in pairs
            ]
            parts = parts._replace(query=urlencode(query, safe="*"))
    # Left as written when nothing is secret: urlunsplit would drop the
    # empty host of sqlite:///file.db, and a command printed must still run.
    return urlunsplit(parts) if changed else url


def opened(kind: str, location: str) -> None:
    """Say where a store keeps its posts, once, as it opens."""
    logger.info("%s store at %s", kind, location)


def absolute(path: str | Path) -> str:
    """The absolute form of a store's file path, for
    [`location`][wonderblogs_target.stores.Store.location]."""
    return str(Path(path).resolve())
