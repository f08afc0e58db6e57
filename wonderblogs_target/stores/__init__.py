"""Where articles go: one interface, several stores, one set of promises.

Any adapter takes ``store=`` (a [`Store`][wonderblogs_target.stores.Store] or a store URL) instead
of an
``on_publish`` callback, and ``wonderblogs-target serve`` is built on the same
stores. Every store keeps the same promises, and one test suite holds each of
them to it:

* a re-push of the same slug and locale updates the post instead of adding one;
* a rewrite (``action: "update"``) finds its post by ``externalId`` first;
* slugs and locales are compared in Unicode NFC, so the NFC and NFD spellings of
  one slug are one post;
* every earlier version counts as a revision (``revision`` goes 1, 2, 3, ...);
* concurrent pushes of the same post, from threads or processes, leave exactly
  one current post;
* a write happens whole or not at all, and a failed one raises, so the target
  answers 5xx and Wonderblogs keeps the article for a re-push; a rewrite that
  would take another post's slug raises [`PublishRejected`][wonderblogs_target.PublishRejected]
  (409);
* the newest posts come first.

Stores are named by URL: ``sqlite:///wonderblogs.db`` (three slashes and a
relative path, four for an absolute one), ``postgresql://user@host/db`` (extra
``postgres``), and ``markdown:///content/posts`` (extra ``markdown``), whose
query takes the Markdown store's options: ``generator``, ``draft``,
``default_locale``, ``images``, ``image_max_bytes``, ``image_timeout``, ``git``,
``git_author``. Nothing here imports a web framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import SplitResult, parse_qs, parse_qsl, urlencode, urlsplit

from ..errors import ConfigurationError
from ._base import (
    CHECK_SLUG_PREFIX,
    DEFAULT_REVISIONS,
    DEFAULT_STORE_URL,
    RECENT_LIMIT,
    Store,
    StoredPost,
    is_check_article,
    numeric_id,
    post_identity,
    recent_article,
    recent_list,
    redact_url,
    revisions_kept,
)
from ._deliveries import (
    Applied,
    DeliveryLog,
    KeptDelivery,
    Unstored,
    apply_again,
    delivery_log_of,
    describe_failure,
)
from ._prune import DEFAULT_DELIVERY_LOG_DAYS, Pruned, prune

if TYPE_CHECKING:
    from ._sql import Database

__all__ = [
    "CHECK_SLUG_PREFIX",
    "DEFAULT_DELIVERY_LOG_DAYS",
    "DEFAULT_REVISIONS",
    "DEFAULT_STORE_URL",
    "RECENT_LIMIT",
    "Applied",
    "DeliveryLog",
    "KeptDelivery",
    "Pruned",
    "Store",
    "StoredPost",
    "Unstored",
    "apply_again",
    "delivery_log_of",
    "describe_failure",
    "is_check_article",
    "numeric_id",
    "open_database",
    "open_store",
    "post_identity",
    "prune",
    "recent_article",
    "recent_list",
    "redact_url",
]


def _path(url: str) -> str:
    """The file path of a ``scheme:///relative`` or ``scheme:////absolute`` URL."""
    rest = url.split("://", 1)[1]
    if not rest.startswith("/") or len(rest) < 2:
        raise ConfigurationError(f"store URL needs a path after '///': {url!r}")
    return rest[1:].split("?", 1)[0]


def _parts(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not one
    except ValueError as exc:
        # Not echoed back: a URL that does not parse may still hold a password.
        scheme = url.split(":", 1)[0] if "://" in url else "store"
        raise ConfigurationError(f"the {scheme} URL cannot be read: {exc}") from None
    return parts


def open_database(url: str) -> Database:
    """The SQL database a ``sqlite:///`` or ``postgresql://`` URL names, without
    any store's tables: what the SQL replay guard keeps its own table in."""
    parts = _parts(url)
    if parts.scheme == "sqlite":
        from .sqlite import SQLiteDatabase

        return SQLiteDatabase(_path(url))
    if parts.scheme in ("postgresql", "postgres"):
        from .postgres import PostgresDatabase

        return PostgresDatabase(url)
    raise ConfigurationError(
        f"a SQL database is named by sqlite:///file.db or postgresql://..., not {redact_url(url)!r}"
    )


def open_store(url: str, *, v1_api_key: str | None = None, v1_base_url: str | None = None) -> Store:
    """The store a URL names; see the module docstring for the forms.
    ``v1_api_key`` (and ``v1_base_url``, the API's address when not Wonderblogs'
    own) let the Markdown store download covers that are paths on that API."""
    parts = _parts(url)
    if parts.scheme in ("sqlite", "postgresql", "postgres"):
        # The store's own option; the rest of the query is the database's (libpq's).
        query = parse_qsl(parts.query, keep_blank_values=True)
        ours = [value for name, value in query if name == "revisions"]
        if len(ours) > 1:
            raise ConfigurationError("revisions is given more than once in the store URL")
        revisions = revisions_kept(ours[0]) if ours else DEFAULT_REVISIONS
        others = urlencode([(name, value) for name, value in query if name != "revisions"])
        rest = url.split("?", 1)[0] + (f"?{others}" if others else "")
    if parts.scheme == "sqlite":
        from .sqlite import SQLiteStore

        return SQLiteStore(_path(rest), revisions=revisions)
    if parts.scheme in ("postgresql", "postgres"):
        from .postgres import PostgresStore

        return PostgresStore(rest, revisions=revisions)
    if parts.scheme == "markdown":
        from .markdown import MarkdownStore

        return MarkdownStore.from_options(
            _path(url),
            parse_qs(parts.query, keep_blank_values=True),
            v1_api_key=v1_api_key,
            v1_base_url=v1_base_url,
        )
    raise ConfigurationError(
        f"unknown store {redact_url(url)!r}; use sqlite:///file.db, postgresql://... "
        "or markdown:///dir"
    )
