"""Markdown store: one file per post, in the front matter a static-site
generator reads (Hugo, Jekyll, Astro, MkDocs Material's blog, Pelican; see
``_formats``), with the article's Markdown as its body.

A post in another locale than the default one is ``<slug>.<locale>.md``
(Jekyll puts the date first). Files are written whole or not at all: to a
temporary file in the same directory, flushed to disk, then renamed over the
old one, so a site build or a crash never sees half a post. A lock file makes
writers in threads or processes take turns. A file the store did not write is
a person's, and is never overwritten. Optionally, the cover image is kept as a
local copy (``images="download"``) and each write is committed, and pushed
(``git="commit"|"push"``). The cover's download and the push can be left to
run after the answer (``defer="covers,push"``): the post is written at once,
linking the original cover, and a worker attaches the copy and pushes later
(`wonderblogs_target.stores._jobs`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .._extras import missing_extra
from .._images import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Destinations, ImageLimits
from ..errors import ConfigurationError, ImageDownloadError, PublishRejected
from ..models import PublishPayload
from ._base import (
    RECENT_LIMIT,
    StoredPost,
    absolute,
    is_check_article,
    opened,
    post_identity,
    recent_list,
)
from ._covers import ImageFetcher
from ._deliveries import SQLDeliveryLog
from ._jobs import Job, JobHandler, SQLJobQueue
from ._markdown_index import DELIVERIES_NAME, Entry, MarkdownIndex
from .sqlite import SQLiteDatabase

if TYPE_CHECKING:
    from .._images import DownloadedImage
    from ._git import GitPublisher

try:
    import yaml

    from ._formats import FORMATS, Format, Post, ReadBack, edited, sealed
except ImportError as exc:  # pragma: no cover
    raise missing_extra("yaml", "markdown") from exc

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: threads still take turns
    fcntl = None  # type: ignore[assignment]

__all__ = ["MarkdownStore"]

logger = logging.getLogger("wonderblogs_target.stores")

# Letters and digits of any script (\w is Unicode-aware), "-" and "_", with inner dots.
_SAFE_NAME = re.compile(r"[^\W_][\w-]*(?:\.[\w-]+)*")
_SAFE_LOCALE = re.compile(r"[A-Za-z0-9_-]{1,10}")


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
_NOT_A_POST = (OSError, ValueError, KeyError, TypeError, yaml.YAMLError)


def _public(url: str | None) -> str | None:
    """The cover URL a site's visitors can load: a path on the Wonderblogs API
    needs the v1 key, so a site only shows it once downloaded (``images=download``);
    the record keeps it either way."""
    if url is None or url.lower().startswith(("http://", "https://")):
        return url
    logger.warning(
        "cover image %s is a path on the Wonderblogs API, which visitors cannot load; "
        "left out of the front matter (images=download with the v1 key keeps a copy)",
        url,
    )
    return None


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


def _usable_folder(directory: Path, location: str) -> None:
    """The posts folder exists (made if missing) and this process may write in
    it; otherwise one line that says which path and why, at start-up rather
    than a traceback on the first delivery."""
    where = f"Markdown store at {location}"
    if directory.exists() and not directory.is_dir():
        raise ConfigurationError(f"{where}: that path is a file, not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"{where}: the folder cannot be created ({exc.strerror or exc})"
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigurationError(f"{where}: this process cannot write in that folder")


#: Bytes a file name's stem may take: file systems allow 255 per name, and the
#: post's file adds a date and ".md", its cover copy a digest and an extension.
_MAX_STEM_BYTES = 150


def _fitting(slug: str) -> str:
    """``slug`` as a file name's stem that every file system can hold. A slug
    within the contract's 200 characters can still be 800 bytes of UTF-8 (CJK
    text); such a slug is cut at a character and made unique by its hash. The
    post's slug itself is kept in the front matter, where generators read it."""
    if len(slug.encode()) <= _MAX_STEM_BYTES:
        return slug
    digest = hashlib.sha256(slug.encode()).hexdigest()[:16]
    cut = slug.encode()[: _MAX_STEM_BYTES - len(digest) - 1].decode(errors="ignore")
    return f"{cut.rstrip('-_.')}-{digest}"


class MarkdownStore:
    """Posts as Markdown files in ``directory``, the folder the generator reads
    posts from; see the module docstring.

    ``generator`` picks the front matter (``hugo`` by default). ``draft`` makes
    new posts drafts in the generator's own way; a re-push keeps the draft state
    the file has, so a post a person published stays published.
    ``images="download"`` keeps a local copy of each cover through
    ``image_fetcher`` (one without a v1 key is made when none is given).
    ``git`` commits each write in the repository holding ``directory``, and with
    ``"push"`` pushes it too, as ``git_author``. ``defer`` names what runs
    after the answer instead of before it: ``"covers"``, ``"push"``, or both.
    """

    #: What ``defer`` may name.
    DEFERRABLE = ("covers", "push")

    def __init__(
        self,
        directory: str | Path,
        *,
        default_locale: str = "en",
        generator: str = "hugo",
        draft: bool = False,
        images: str = "link",
        image_fetcher: ImageFetcher | None = None,
        git: str | None = None,
        git_author: str | None = None,
        defer: tuple[str, ...] = (),
    ) -> None:
        if generator not in FORMATS:
            raise ConfigurationError(
                f"unknown generator {generator!r}; use one of {', '.join(FORMATS)}"
            )
        if images not in ("link", "download"):
            raise ConfigurationError(f"images must be 'link' or 'download', got {images!r}")
        if git not in (None, "commit", "push"):
            raise ConfigurationError(f"git must be 'commit' or 'push', got {git!r}")
        for what in defer:
            if what not in self.DEFERRABLE:
                raise ConfigurationError(
                    f"defer names {what!r}; it takes {' and '.join(self.DEFERRABLE)}"
                )
        if "covers" in defer and images != "download":
            raise ConfigurationError("defer=covers is for images=download")
        if "push" in defer and git != "push":
            raise ConfigurationError("defer=push is for git=push")
        self.directory = Path(directory)
        self.location = absolute(self.directory)
        _usable_folder(self.directory, self.location)
        self.default_locale = default_locale
        self.format: Format = FORMATS[generator]
        self.draft = draft
        self._images: ImageFetcher | None = None
        if images == "download":
            self._images = image_fetcher or ImageFetcher()
        self._git: GitPublisher | None = None
        if git is not None:
            from ._git import GitPublisher

            self._git = GitPublisher(self.directory, push=git == "push", author=git_author)
        self._thread_lock = threading.Lock()
        self._recent = threading.local()  # per thread, as the index's connections are
        self._file_mode = 0o666 & ~_umask()
        self._dir_mode = 0o777 & ~_umask()
        self._remove_stale_temporaries()
        self._index = MarkdownIndex(self.directory, self._entry_of)
        # Beside the index, never among the posts a generator builds or git commits.
        self.delivery_log = SQLDeliveryLog(SQLiteDatabase(self.directory / DELIVERIES_NAME))
        self.defer = tuple(defer)
        #: The deferred work, in the delivery log's file; None when nothing is deferred.
        self.job_queue: SQLJobQueue | None = None
        if self.defer:
            self.job_queue = SQLJobQueue(self.delivery_log.database)
        opened("Markdown", self.location)

    @property
    def job_handlers(self) -> Mapping[str, JobHandler]:
        """What a worker runs for the jobs this store defers."""
        return {"cover": self._attach_cover, "push": self._push_job}

    _OPTIONS = frozenset(
        {
            "default_locale",
            "generator",
            "draft",
            "images",
            "image_max_bytes",
            "image_timeout",
            "images_allow",
            "git",
            "git_author",
            "defer",
        }
    )

    @classmethod
    def from_options(
        cls,
        directory: str,
        options: dict[str, list[str]],
        *,
        v1_api_key: str | None = None,
        v1_base_url: str | None = None,
    ) -> MarkdownStore:
        """The store a ``markdown:///dir?...`` URL's query describes; an unknown
        or repeated option is a configuration error, not silently ignored."""
        unknown = sorted(set(options) - cls._OPTIONS)
        if unknown:
            raise ConfigurationError(
                f"unknown Markdown store option {unknown[0]!r}; "
                f"use {', '.join(sorted(cls._OPTIONS))}"
            )
        one: dict[str, str] = {}
        for name, values in options.items():
            if len(values) != 1:
                raise ConfigurationError(f"Markdown store option {name!r} is given twice")
            one[name] = values[0]
        draft = one.get("draft", "false").lower()
        if draft not in ("true", "false", "1", "0", "yes", "no"):
            raise ConfigurationError(f"draft must be true or false, got {one['draft']!r}")
        images = one.get("images", "link")
        fetcher = None
        if images == "download":
            try:
                limits = ImageLimits(
                    max_bytes=int(one.get("image_max_bytes", DEFAULT_MAX_BYTES)),
                    timeout=float(one.get("image_timeout", DEFAULT_TIMEOUT)),
                )
            except ValueError as exc:
                raise ConfigurationError(f"image limits: {exc}") from None
            # Hosts or networks that are not on the public internet, allowed on purpose.
            allow = tuple(e for e in one.get("images_allow", "").split(",") if e.strip())
            fetcher = ImageFetcher(
                v1_api_key=v1_api_key,
                base_url=v1_base_url,
                limits=limits,
                destinations=Destinations(allow=allow),
            )
        elif "images_allow" in one:
            raise ConfigurationError("images_allow is for images=download")
        return cls(
            directory,
            default_locale=one.get("default_locale", "en"),
            generator=one.get("generator", "hugo"),
            draft=draft in ("true", "1", "yes"),
            images=images,
            image_fetcher=fetcher,
            git=one.get("git") or None,
            git_author=one.get("git_author"),
            defer=tuple(e.strip() for e in one.get("defer", "").split(",") if e.strip()),
        )

    def _site_root(self) -> Path | None:
        """The generator's site folder (where its configuration file is), if any."""
        for folder in (self.directory, *self.directory.resolve().parents):
            if any((folder / name).is_file() for name in self.format.site_files):
                return folder
        return None

    def _entry_of(self, path: Path) -> Entry | None:
        try:
            post, _ = self._read(path)
        except _NOT_A_POST:
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
            return _fitting(slug)
        if not _SAFE_LOCALE.fullmatch(locale):
            raise PublishRejected(
                f"locale {payload.locale!r} cannot be a file name", status_code=422
            )
        return f"{_fitting(slug)}.{locale}"

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

    def _write_atomically(self, path: Path, data: str | bytes) -> None:
        folder = path.parent
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            # mkstemp makes 0600 files; a site build or web server running as
            # another user must read them, as the umask says it may.
            os.fchmod(fd, self._file_mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # make the rename itself durable
        finally:
            os.close(directory)

    def _read(self, path: Path, *, for_write: bool = False) -> tuple[StoredPost, ReadBack]:
        """The post in ``path``; ``for_write`` also tells whether a person edited
        it (a hash of the whole file, which reads and index rebuilds need not pay)."""
        # newline="": "\r\n" in an article stays "\r\n".
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        found = self.format.read(text)
        if for_write:
            found = replace(found, edited=edited(text, self.format))
        post = StoredPost(
            id=path.name[: -len(".md")],
            payload=found.payload,
            published_at=found.published,
            updated_at=found.updated,
            revision=found.revision,
        )
        return post, found

    # -- the store interface ------------------------------------------------------------

    def save(self, payload: PublishPayload) -> StoredPost:
        stem = self._name(payload)
        # Outside the lock: a slow image server must not hold other writers.
        later = "covers" in self.defer and bool(payload.cover_image_url)
        image = None if later else self._download_cover(payload)
        now = datetime.now(timezone.utc)
        with self._locked():
            self._index.sync()
            current: tuple[StoredPost, ReadBack] | None = None
            found: str | None = None
            if payload.is_update and payload.external_id:
                found = self._index.by_external_id(payload.external_id)
            if found is None:
                found = self._index.by_identity(*post_identity(payload))
            if found is not None:
                current = self._current(found, for_write=True)
            published = current[0].published_at if current else now
            path = self.directory / self.format.file_name(stem, published)
            self._refuse_a_case_twin(path)
            if current is None:
                current = self._own_file(path, payload)
            elif current[0].id != path.name[: -len(".md")] and path.exists():
                raise PublishRejected(
                    f"slug {payload.slug!r} ({payload.locale}) belongs to another post: "
                    f"{path.name} exists",
                    status_code=409,
                )
            if current is not None and current[1].edited:
                raise PublishRejected(
                    f"{current[0].id}.md was changed by hand since wonderblogs-target wrote it; "
                    "it is left as it is (restore or remove it to let this update in)",
                    status_code=409,
                )
            revision = current[0].revision + 1 if current else 1
            written = [path]
            cover: str | None = None
            if image is not None:
                image_path, cover = self._keep_image(stem, image)
                written.append(image_path)
            else:  # not downloaded: linked, if visitors can load it
                cover = _public(payload.cover_image_url)
            post = Post(
                payload=payload,
                published=published,
                updated=now,
                revision=revision,
                # The checker's test article never goes live on the site.
                draft=is_check_article(payload) or (current[1].draft if current else self.draft),
                cover=cover,
                authors=self._authors(payload.author),
            )
            self._write_atomically(path, sealed(self.format.render(post), self.format))
            saved = StoredPost(path.name[: -len(".md")], payload, published, now, revision)
            removed: list[Path] = []
            moved_from = None
            if current is not None and current[0].id != saved.id:
                # A rewrite moved the post to a new slug: the new file is in place first.
                moved_from = current[0].id
                old = self.directory / f"{moved_from}.md"
                old.unlink(missing_ok=True)
                removed.append(old)
            self._index.wrote(self._entry(saved, path), moved_from)
            if self._git is not None:
                self._commit(payload, saved, current is None, written, removed)
        if later and self.job_queue is not None:
            # After the post is in place: the job reads the cover from it.
            self.job_queue.enqueue("cover", saved.id)
        self._push()
        return saved

    def _push(self) -> None:
        """Push now, or leave it to the worker (``defer=push``). Outside the
        lock: a remote that does not answer holds no other writer."""
        if self._git is None or not self._git.push_too:
            return
        if "push" in self.defer and self.job_queue is not None:
            self.job_queue.enqueue("push", "git")
        else:
            self._git.push(self._locked)

    def _current(
        self, post_id: str, *, for_write: bool = False
    ) -> tuple[StoredPost, ReadBack] | None:
        path = self._file(post_id)
        if path is None:
            return None
        try:
            return self._read(path, for_write=for_write)
        except _NOT_A_POST:
            return None

    def _own_file(self, path: Path, payload: PublishPayload) -> tuple[StoredPost, ReadBack] | None:
        """The post already in ``path``, when it is this one; a file a person
        wrote, or another post's, is refused (409) and left as it is."""
        if not path.exists():
            return None
        try:
            post, found = self._read(path, for_write=True)
        except _NOT_A_POST:
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
        return post, found

    def _refuse_a_case_twin(self, path: Path) -> None:
        """A file whose name differs only by case is the same file on macOS and
        Windows, where the site may well be checked out."""
        other = self._index.case_twin(path.name)  # the index knows every file name
        if other is not None:
            raise PublishRejected(
                f"{other} exists, and {path.name} differs from it only by case",
                status_code=409,
            )

    # -- images, authors, git ------------------------------------------------------------

    def _download_cover(self, payload: PublishPayload) -> DownloadedImage | None:
        if self._images is None or not payload.cover_image_url:
            return None
        try:
            return self._images.fetch(payload.cover_image_url)
        except ImageDownloadError as exc:
            # The post is kept, pointing at the original URL.
            logger.warning("cover image of %r not downloaded: %s", payload.slug, exc)
            return None

    def _attach_cover(self, job: Job) -> str:
        """The deferred half of ``images=download``: fetch the post's cover and
        point the post at the copy. Done once however often it runs: the copy
        is named by its content, and a post already showing it is left alone.
        A download that fails raises, so the job is tried again later."""
        assert self._images is not None
        post = self.get(job.subject)
        if post is None:
            return "the post is gone; no cover to attach"
        url = post.payload.cover_image_url
        if not url:
            return "the post has no cover now"
        image = self._images.fetch(url)  # outside the lock, as in save
        with self._locked():
            found = self._current(job.subject, for_write=True)
            if found is None:
                return "the post is gone; no cover to attach"
            current, back = found
            if back.edited:
                return "the post was changed by hand since; it keeps linking the original cover"
            if current.payload.cover_image_url != url:
                return "the post was re-pushed with another cover; that push's job attaches it"
            path = self.directory / f"{current.id}.md"
            image_path, cover = self._keep_image(self._name(current.payload), image)
            text = sealed(
                self.format.render(
                    Post(
                        payload=current.payload,
                        published=back.published,
                        updated=back.updated,
                        revision=back.revision,
                        draft=back.draft,
                        cover=cover,
                        authors=self._authors(current.payload.author),
                    )
                ),
                self.format,
            )
            with open(path, encoding="utf-8", newline="") as handle:
                if handle.read() == text:
                    return f"the cover was attached already: {cover}"
            self._write_atomically(path, text)
            self._index.wrote(self._entry(current, path), None)
            if self._git is not None:
                slug, locale = current.payload.slug, current.payload.locale
                self._git.commit([path, image_path], [], f"wonderblogs: cover of {slug} ({locale})")
        self._push()
        return f"cover attached: {cover}"

    def _push_job(self, job: Job) -> str:
        """The deferred push: every commit not on the remote yet goes."""
        if self._git is None or not self._git.push_too:
            return "this store does not push"
        if not self._git.push(self._locked):
            from ._git import GitError

            raise GitError("the commits are still local (the log says why)")
        return "pushed"

    def _keep_image(self, stem: str, image: DownloadedImage) -> tuple[Path, str]:
        """Save the copy (named by its content, so it can never be a person's
        file) and return it with the URL the site serves it at."""
        folder, prefix = self.format.image_folder(self.directory, self._site_root())
        folder.mkdir(mode=self._dir_mode, parents=True, exist_ok=True)
        name = f"{stem}-{image.digest}{image.extension}"
        path = folder / name
        if not path.exists():
            self._write_atomically(path, image.content)
        return path, prefix + name

    def _authors(self, author: str | None) -> tuple[str, ...]:
        """MkDocs Material's blog fails the build on an author it does not know:
        name one only when the blog's ``.authors.yml`` lists them."""
        if self.format.name != "mkdocs" or not author:
            return ()
        try:
            with open(self.directory.parent / ".authors.yml", encoding="utf-8") as handle:
                listed = (yaml.safe_load(handle) or {}).get("authors") or {}
        except (OSError, yaml.YAMLError, AttributeError):
            return ()
        wanted = author.casefold()
        for key, about in listed.items():
            name = about.get("name", "") if isinstance(about, dict) else ""
            if wanted in (str(key).casefold(), str(name).casefold()):
                return (str(key),)
        return ()

    def _commit(
        self,
        payload: PublishPayload,
        saved: StoredPost,
        new: bool,
        written: list[Path],
        removed: list[Path],
    ) -> None:
        assert self._git is not None
        action = "publish" if new else ("rewrite" if payload.is_update else "update")
        message = (
            f"wonderblogs: {action} {payload.slug} ({payload.locale}), revision {saved.revision}"
        )
        self._git.commit(written, removed, message)

    # -- reading -----------------------------------------------------------------------

    def recent(self, limit: int = RECENT_LIMIT) -> list[StoredPost]:
        with self._index.current():
            names = [name for name, _, _ in self._index.newest(limit)]
        posts = (self.get(name) for name in names)
        return [post for post in posts if post is not None]

    def recent_articles(self, limit: int = RECENT_LIMIT) -> list[dict[str, str]]:
        """From the index alone, and from memory while the index has not changed:
        the context costs the same at 10 posts and at 10,000."""
        with self._index.current() as saved:
            key = (limit, *self._index.version())
            cached = getattr(self._recent, "value", None)
            if saved and cached is not None and cached[0] == key:
                return [dict(item) for item in cached[1]]
            found = recent_list(
                (title, summary) for _, title, summary in self._index.newest(limit, context=True)
            )
        if saved:
            self._recent.value = (key, found)
        return [dict(item) for item in found]

    def get(self, post_id: str) -> StoredPost | None:
        found = self._current(post_id)
        return None if found is None else found[0]

    def find(self, slug: str, locale: str) -> StoredPost | None:
        identity = (unicodedata.normalize("NFC", slug), unicodedata.normalize("NFC", locale))
        with self._index.current():
            found = self._index.by_identity(*identity)
        return None if found is None else self.get(found)

    def revisions(self, post_id: str) -> list[StoredPost]:
        return []

    def revision_count(self, post_id: str) -> int:
        return 0

    def count(self) -> int:
        with self._index.current():
            return self._index.count()

    def trim_revisions(self, *, dry_run: bool = False) -> int:
        return 0  # no earlier versions are kept (git has them, with ?git=)

    def remove(self, post_id: str) -> bool:
        with self._locked():
            found = self._current(post_id, for_write=True)
            if found is None:
                return False
            post, back = found
            if back.edited:
                raise PublishRejected(
                    f"{post.id}.md was changed by hand since wonderblogs-target wrote it; "
                    "it is left as it is",
                    status_code=409,
                )
            path = self.directory / f"{post.id}.md"
            path.unlink()
            self._index.removed(post.id)
            if self._git is not None:
                slug, locale = post.payload.slug, post.payload.locale
                self._git.commit([], [path], f"wonderblogs: remove {slug} ({locale})")
        self._push()
        return True

    def close(self) -> None:
        self._index.close()
        self.delivery_log.database.close()
