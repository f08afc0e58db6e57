"""Markdown store: one ``<slug>.md`` per post, ready for Hugo, Jekyll or Astro.

Each file has YAML front matter (title, description, date, lastmod, tags,
author, locale, SEO fields, cover image URL, sources) and the article's
Markdown as its body. A post in another locale than the default one is
``<slug>.<locale>.md``. Files are written whole or not at all: to a temporary
file in the same directory, flushed to disk, then renamed over the old one,
so a static site build or a crash never sees half a post. A lock file makes
concurrent writers, in threads or processes, take turns.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._extras import missing_extra
from ..errors import PublishRejected
from ..models import PublishPayload
from . import RECENT_LIMIT, StoredPost, absolute, opened, post_identity, recent_list
from ._markdown_index import Entry, MarkdownIndex

try:
    import yaml
except ImportError as exc:  # pragma: no cover
    raise missing_extra("yaml", "markdown") from exc

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: threads still take turns
    fcntl = None  # type: ignore[assignment]

__all__ = ["MarkdownStore"]

# Letters and digits of any script (\w is Unicode-aware), "-" and "_", with inner dots.
_SAFE_NAME = re.compile(r"[^\W_][\w-]*(?:\.[\w-]+)*")
_SAFE_LOCALE = re.compile(r"[A-Za-z0-9_-]{1,10}")
_KNOWN = {
    "slug",
    "locale",
    "title",
    "description",
    "content",
    "author",
    "tags",
    "seo",
    "targetFocus",
    "refinedAngle",
    "coverImageUrl",
    "sources",
    "action",
    "externalId",
}


#: Front matter key that marks a file as written by this store; a file without
#: it is a person's, and is never overwritten.
MARKER = "wonderblogs_managed"
# Names Windows cannot hold, whatever follows a dot (CON.md, con.de.md, ...).
_RESERVED = frozenset(
    {
        "CON",
        "PRN",
        "AUX",
        "NUL",
        *(f"COM{n}" for n in range(1, 10)),
        *(f"LPT{n}" for n in range(1, 10)),
    }
)
# Our own temporary files: ".<name>.md.<random>.tmp", as _write_atomically makes them.
_TEMPORARY = re.compile(r"\..+\.md\.[A-Za-z0-9_]+\.tmp")
#: A temporary file older than this was left by a writer that died.
STALE_AFTER = 60.0
# Characters YAML reads as line breaks or would fold: strings holding them are
# written double-quoted, with escapes, so they read back exactly.
_NEEDS_QUOTES = re.compile("[\r\n\x85\u2028\u2029\t]")


class _ExactDumper(yaml.SafeDumper):
    pass


def _exact_string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _NEEDS_QUOTES.search(value) or not value.isprintable() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ExactDumper.add_representer(str, _exact_string)


def _umask() -> int:
    """The process's umask, read without changing it where the system tells."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---\n"):
        raise ValueError("no front matter")
    end = text.index("\n---\n", 3)
    meta = yaml.safe_load(text[4:end]) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")
    return meta, text[end + 5 :]


class MarkdownStore:
    """One Markdown file per post in ``directory``; see the module docstring."""

    def __init__(self, directory: str | Path, *, default_locale: str = "en") -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.location = absolute(self.directory)
        self.default_locale = default_locale
        self._thread_lock = threading.Lock()
        self._file_mode = 0o666 & ~_umask()
        self._remove_stale_temporaries()
        self._index = MarkdownIndex(self.directory, self._entry_of)
        opened("Markdown", self.location)

    def _entry_of(self, path: Path) -> Entry | None:
        try:
            post = self._read(path)
        except (OSError, ValueError, KeyError, yaml.YAMLError):
            return None  # not a post of this store (a person's file): not indexed
        return self._entry(post, path)

    @staticmethod
    def _entry(post: StoredPost, path: Path) -> Entry:
        slug, locale = post_identity(post.payload)
        return (
            post.id,
            slug,
            locale,
            post.payload.external_id,
            post.payload.title,
            post.payload.description,
            post.published_at.isoformat(),
            path.stat().st_mtime_ns,
        )

    def _remove_stale_temporaries(self) -> None:
        """Temporary files of a writer that died mid-write (ours only, and only
        old ones: another worker may be writing right now)."""
        cutoff = time.time() - STALE_AFTER
        for path in self.directory.glob(".*.tmp"):
            with suppress(OSError):
                if _TEMPORARY.fullmatch(path.name) and path.stat().st_mtime < cutoff:
                    path.unlink()

    # -- files ----------------------------------------------------------------------

    def _name(self, payload: PublishPayload) -> str:
        slug, locale = post_identity(payload)
        if not _SAFE_NAME.fullmatch(slug):
            raise PublishRejected(
                f"slug {payload.slug!r} cannot be a file name: use letters, digits, '-' and '_'",
                status_code=422,
            )
        if slug.split(".", 1)[0].upper() in _RESERVED:
            raise PublishRejected(
                f"slug {payload.slug!r} is a name Windows reserves for a device; "
                "a checkout of the site there could not hold the file",
                status_code=422,
            )
        if locale == self.default_locale:
            return slug
        if not _SAFE_LOCALE.fullmatch(locale):
            raise PublishRejected(
                f"locale {payload.locale!r} cannot be a file name", status_code=422
            )
        return f"{slug}.{locale}"

    def _file(self, post_id: str) -> Path | None:
        post_id = unicodedata.normalize("NFC", post_id)
        if not _SAFE_NAME.fullmatch(post_id):
            return None
        return self.directory / f"{post_id}.md"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock, open(self.directory / ".wonderblogs.lock", "a+b") as handle:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def _write_atomically(self, path: Path, text: str) -> None:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.directory)
        try:
            # mkstemp makes 0600 files; a site build or web server running as
            # another user must read them, as the umask says it may.
            os.fchmod(fd, self._file_mode)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)  # make the rename itself durable
        finally:
            os.close(directory)

    def _read(self, path: Path) -> StoredPost:
        # newline="": "\r\n" in an article stays "\r\n".
        with open(path, encoding="utf-8", newline="") as handle:
            meta, body = _front_matter(handle.read())
        if meta.get(MARKER) is not True:
            raise ValueError(f"{path.name} was not written by wonderblogs-target")
        seo = meta.get("seo") or {}
        document: dict[str, Any] = {
            "slug": meta.get("slug"),
            "locale": meta.get("locale"),
            "title": meta.get("title"),
            "description": meta.get("description"),
            "content": body,
            "author": meta.get("author"),
            "tags": meta.get("tags") or [],
            "seo": {
                "metaTitle": seo.get("meta_title"),
                "metaDescription": seo.get("meta_description"),
                "slug": seo.get("slug"),
            },
            "targetFocus": meta.get("target_focus"),
            "refinedAngle": meta.get("refined_angle"),
            "coverImageUrl": meta.get("cover_image_url"),
            "sources": meta.get("sources"),
            "action": meta.get("action"),
            "externalId": meta.get("external_id"),
            **(meta.get("wonderblogs_extra") or {}),
        }
        payload = PublishPayload.model_validate(
            {k: v for k, v in document.items() if v is not None}
        )
        return StoredPost(
            id=path.name[: -len(".md")],
            payload=payload,
            published_at=datetime.fromisoformat(str(meta["date"])),
            updated_at=datetime.fromisoformat(str(meta.get("lastmod", meta["date"]))),
            revision=int(meta.get("revision", 1)),
        )

    def _render(
        self, payload: PublishPayload, published: datetime, now: datetime, revision: int
    ) -> str:
        meta: dict[str, Any] = {
            "title": payload.title,
            "description": payload.description,
            "slug": payload.slug,
            "locale": payload.locale,
            "date": published.isoformat(timespec="microseconds"),
            "lastmod": now.isoformat(timespec="microseconds"),
            "author": payload.author,
            "tags": payload.tags,
            "seo": {
                "meta_title": payload.seo.meta_title,
                "meta_description": payload.seo.meta_description,
                "slug": payload.seo.slug,
            },
            "cover_image_url": payload.cover_image_url,
            "sources": [s.model_dump() for s in payload.sources] if payload.sources else None,
            "target_focus": payload.target_focus,
            "refined_angle": payload.refined_angle,
            "external_id": payload.external_id,
            "action": payload.action,
            "revision": revision,
            MARKER: True,
        }
        wire = payload.model_dump(exclude_none=True)
        extra = {k: v for k, v in wire.items() if k not in _KNOWN}
        if extra:
            meta["wonderblogs_extra"] = extra
        meta = {k: v for k, v in meta.items() if v is not None}
        head = yaml.dump(
            meta, Dumper=_ExactDumper, sort_keys=False, allow_unicode=True, width=100_000
        )
        # The body is the article exactly as received, so it reads back unchanged.
        return f"---\n{head}---\n{payload.content}"

    # -- the store interface ------------------------------------------------------------

    def save(self, payload: PublishPayload) -> StoredPost:
        name = self._name(payload)
        now = datetime.now(timezone.utc)
        with self._locked():
            self._index.sync()
            current: StoredPost | None = None
            if payload.is_update and payload.external_id:
                found = self._index.by_external_id(payload.external_id)
                current = None if found is None else self.get(found)
            path = self.directory / f"{name}.md"
            self._refuse_a_case_twin(path)
            if current is None:
                current = self._own_file(path, payload)
            elif current.id != name and path.exists():
                raise PublishRejected(
                    f"slug {payload.slug!r} ({payload.locale}) belongs to another post: "
                    f"{path.name} exists",
                    status_code=409,
                )
            published = current.published_at if current else now
            revision = current.revision + 1 if current else 1
            self._write_atomically(path, self._render(payload, published, now, revision))
            moved_from = None
            if current is not None and current.id != name:
                # A rewrite moved the post to a new slug: the new file is in place first.
                (self.directory / f"{current.id}.md").unlink(missing_ok=True)
                moved_from = current.id
            saved = StoredPost(name, payload, published, now, revision)
            self._index.wrote(self._entry(saved, path), moved_from)
        return saved

    def _own_file(self, path: Path, payload: PublishPayload) -> StoredPost | None:
        """The post already in ``path``, when it is this one; a file a person
        wrote, or another post's, is refused (409) and left as it is."""
        if not path.exists():
            return None
        try:
            post = self._read(path)
        except (OSError, ValueError, KeyError, yaml.YAMLError):
            raise PublishRejected(
                f"{path.name} exists and was not written by wonderblogs-target; it is left "
                "as it is (rename or remove it to let this article in)",
                status_code=409,
            ) from None
        if post_identity(post.payload) != post_identity(payload):
            raise PublishRejected(
                f"{path.name} holds another post (slug {post.payload.slug!r}, locale "
                f"{post.payload.locale!r}); the two cannot share one file",
                status_code=409,
            )
        return post

    def _refuse_a_case_twin(self, path: Path) -> None:
        """A file whose name differs only by case is the same file on macOS and
        Windows, where the site may well be checked out."""
        other = self._index.case_twin(path.name)  # the index knows every file name
        if other is not None:
            raise PublishRejected(
                f"{other} exists, and {path.name} differs from it only by case",
                status_code=409,
            )

    def recent(self, limit: int = RECENT_LIMIT) -> list[StoredPost]:
        self._index.sync()
        posts = (self.get(name) for name, _, _ in self._index.newest(limit))
        return [post for post in posts if post is not None]

    def recent_articles(self, limit: int = RECENT_LIMIT) -> list[dict[str, str]]:
        """From the index alone: no post file is read."""
        self._index.sync()
        return recent_list((title, summary) for _, title, summary in self._index.newest(limit))

    def get(self, post_id: str) -> StoredPost | None:
        path = self._file(post_id)
        if path is None or not path.is_file():
            return None
        try:
            return self._read(path)
        except (OSError, ValueError, KeyError, yaml.YAMLError):
            return None

    def revisions(self, post_id: str) -> list[StoredPost]:
        return []

    def count(self) -> int:
        self._index.sync()
        return self._index.count()

    def close(self) -> None:
        self._index.close()
