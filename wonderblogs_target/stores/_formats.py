"""How the Markdown store writes a post for each static-site generator.

Every format carries two things in one file: the fields its generator reads
(dates, draft flag, cover image, categories, in that generator's names and
types), and the store's own exact record of what Wonderblogs sent, so that a
post reads back byte for byte whatever the generator makes of it. The record
is also what marks a file as the store's: a file without it is a person's.

The YAML formats share the record's keys with the generator where both mean
the same thing (``title``, ``description``, ``slug``, ``tags``). Pelican reads
``Key: value`` lines, one line each, so its visible fields are flattened to one
line and the exact record is kept as JSON on a line of its own.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import yaml

from ..models import PublishPayload
from ._safe import hugo_shortcodes_escaped, safe_markdown

__all__ = ["FORMATS", "MARKER", "Format", "Post", "ReadBack", "edited", "sealed"]

#: The key that marks a file as written by the store.
MARKER = "wonderblogs_managed"
#: The key holding the SHA-256 of the file as the store wrote it (with this
#: value zeroed): a file whose bytes no longer match was edited by a person.
DIGEST = "wonderblogs_digest"
#: The article's Markdown as sent, kept in the record when the body was made
#: safe to build (`_safe`) and so differs from it.
CONTENT = "wonderblogs_content"
_UNSEALED = "0" * 64
# The key, its separator in YAML (": ", maybe a quote) or JSON ('":"'), the digest.
_SEAL = re.compile(DIGEST + r"(\W{1,4})([0-9a-f]{64})")


def _digest(text: str, fmt: Format) -> str:
    # The draft mark is the one edit a person may make: publishing the post.
    return hashlib.sha256(fmt.without_draft_mark(text).encode("utf-8")).hexdigest()


def sealed(text: str, fmt: Format) -> str:
    """``text`` (rendered with the zeroed digest) with its own digest filled in."""
    digest = _digest(text, fmt)
    return _SEAL.sub(lambda m: DIGEST + m.group(1) + digest, text, count=1)


def edited(text: str, fmt: Format) -> bool:
    """Whether a file the store wrote was changed since, beyond its draft mark;
    files written before the digest existed count as unedited."""
    match = _SEAL.search(text)
    if match is None:
        return False
    unsealed = text[: match.start(2)] + _UNSEALED + text[match.end(2) :]
    return _digest(unsealed, fmt) != match.group(2)


_KNOWN = frozenset(
    {
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
)
# Characters YAML reads as line breaks or would fold: strings holding them are
# written double-quoted, with escapes, so they read back exactly.
_NEEDS_QUOTES = re.compile("[\r\n\x85\u2028\u2029\t]")
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


#: libyaml's safe loader where PyYAML was built with it (about ten times the
#: pure-Python one's speed on front matter), the same rules either way.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ExactDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # write repeated values out, no &id001 anchors in a person's file


def _exact_string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _NEEDS_QUOTES.search(value) or not value.isprintable() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ExactDumper.add_representer(str, _exact_string)


@dataclass(frozen=True)
class Post:
    """What a format needs to write one post."""

    payload: PublishPayload
    published: datetime
    updated: datetime
    revision: int
    draft: bool
    #: The cover image the generator shows: a downloaded copy's URL, or the
    #: original one. The record keeps the original either way.
    cover: str | None = None
    #: MkDocs Material author ids (from the blog's ``.authors.yml``).
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadBack:
    payload: PublishPayload
    published: datetime
    updated: datetime
    revision: int
    draft: bool
    #: Changed by a person since the store wrote it (see `edited`).
    edited: bool = False


def _record(post: Post, body: str) -> dict[str, Any]:
    payload = post.payload
    record: dict[str, Any] = {
        "title": payload.title,
        "description": payload.description,
        "slug": payload.slug,
        "locale": payload.locale,
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
        "revision": post.revision,
        MARKER: True,
        DIGEST: _UNSEALED,
    }
    extra = {k: v for k, v in payload.model_dump(exclude_none=True).items() if k not in _KNOWN}
    if extra:
        record["wonderblogs_extra"] = extra
    if body != payload.content:
        # The body was made safe to build; the article itself reads back as sent.
        record[CONTENT] = payload.content
    return {k: v for k, v in record.items() if v is not None}


def _payload(record: dict[str, Any], body: str) -> PublishPayload:
    if record.get(MARKER) is not True:
        raise ValueError("not written by wonderblogs-target")
    seo = record.get("seo") or {}
    document: dict[str, Any] = {
        "slug": record.get("slug"),
        "locale": record.get("locale"),
        "title": record.get("title"),
        "description": record.get("description"),
        "content": record.get(CONTENT, body),
        "author": record.get("author"),
        "tags": record.get("tags") or [],
        "seo": {
            "metaTitle": seo.get("meta_title"),
            "metaDescription": seo.get("meta_description"),
            "slug": seo.get("slug"),
        },
        "targetFocus": record.get("target_focus"),
        "refinedAngle": record.get("refined_angle"),
        "coverImageUrl": record.get("cover_image_url"),
        "sources": record.get("sources"),
        "action": record.get("action"),
        "externalId": record.get("external_id"),
        **(record.get("wonderblogs_extra") or {}),
    }
    return PublishPayload.model_validate({k: v for k, v in document.items() if v is not None})


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


class Format:
    """A YAML front matter format. A generator's keys are named by the class
    attributes; the methods are overridden only where a generator differs in
    kind (MkDocs' nested dates, Pelican's metadata lines)."""

    name: ClassVar[str]
    #: Where the generator's posts live, as the README tells users to point the store.
    posts_folder: ClassVar[str]
    #: Files that mark the site's root, looked for upwards from the posts folder.
    site_files: ClassVar[tuple[str, ...]] = ()
    published_key: ClassVar[str] = "date"
    updated_key: ClassVar[str] = "lastmod"
    #: The key and value that make a post a draft.
    draft_key: ClassVar[str] = "draft"
    draft_value: ClassVar[bool] = True
    cover_key: ClassVar[str] = "image"
    cover_as_list: ClassVar[bool] = False
    #: Keys every post gets as they are.
    fixed: ClassVar[dict[str, Any]] = {}
    #: The static folder under the site's root, and the URL it is served at.
    static_folder: ClassVar[tuple[str, str] | None] = None

    def file_name(self, stem: str, published: datetime) -> str:
        return f"{stem}.md"

    def body(self, payload: PublishPayload) -> str:
        """The Markdown the generator builds: the article with nothing in it
        that would run on the built site (`safe_markdown`)."""
        return safe_markdown(payload.content)

    def generator_fields(self, post: Post) -> dict[str, Any]:
        fields = {**self.fixed, **self.date_fields(post)}
        if post.draft:
            fields[self.draft_key] = self.draft_value
        if post.cover:
            fields[self.cover_key] = [post.cover] if self.cover_as_list else post.cover
        return fields

    def date_fields(self, post: Post) -> dict[str, Any]:
        return {self.published_key: _iso(post.published), self.updated_key: _iso(post.updated)}

    def dates(self, meta: dict[str, Any]) -> tuple[datetime, datetime]:
        published = meta[self.published_key]
        return _moment(published), _moment(meta.get(self.updated_key, published))

    def is_draft(self, meta: dict[str, Any]) -> bool:
        return meta.get(self.draft_key) is self.draft_value

    def draft_mark(self) -> str:
        """The line that makes a post a draft, as `render` writes it."""
        return f"{self.draft_key}: {'true' if self.draft_value else 'false'}\n"

    def without_draft_mark(self, text: str) -> str:
        mark = self.draft_mark()
        head, separator, body = text.partition("\n" + mark)
        # Only in the front matter: the same words in the article are the article's.
        if separator and "\n---\n" in body and "\n---\n" not in head[4:]:
            return head + "\n" + body
        return text

    def image_folder(self, posts: Path, root: Path | None) -> tuple[Path, str]:
        """Where a downloaded cover goes, and the URL prefix the site serves it at:
        the generator's static folder when the site's root is found, an
        ``images`` folder beside the posts otherwise."""
        if root is None or self.static_folder is None:
            return posts / "images", "images/"
        folder, prefix = self.static_folder
        return root / folder, prefix

    def render(self, post: Post) -> str:
        body = self.body(post.payload)
        meta = {**self.generator_fields(post), **_record(post, body)}
        head = yaml.dump(
            meta, Dumper=_ExactDumper, sort_keys=False, allow_unicode=True, width=100_000
        )
        return f"---\n{head}---\n{body}"

    def read(self, text: str) -> ReadBack:
        if not text.startswith("---\n"):
            raise ValueError("no front matter")
        end = text.index("\n---\n", 3)
        meta = yaml.load(text[4:end], Loader=SAFE_LOADER) or {}  # noqa: S506 - a safe loader
        if not isinstance(meta, dict):
            raise ValueError("front matter is not a mapping")
        published, updated = self.dates(meta)
        return ReadBack(
            payload=_payload(meta, text[end + 5 :]),
            published=published,
            updated=updated,
            revision=int(meta.get("revision", 1)),
            draft=self.is_draft(meta),
        )


class Hugo(Format):
    name = "hugo"
    posts_folder = "content/posts"
    site_files = ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml")
    cover_key = "images"
    cover_as_list = True
    static_folder = ("static/images/wonderblogs", "/images/wonderblogs/")

    def generator_fields(self, post: Post) -> dict[str, Any]:
        # A post and its translations share a slug (in every store), so the
        # slug is the key that links them on a multilingual Hugo site.
        fields = super().generator_fields(post)
        fields["translationKey"] = unicodedata.normalize("NFC", post.payload.slug)
        return fields

    def body(self, payload: PublishPayload) -> str:
        # Hugo expands shortcodes before Markdown, in code too.
        return hugo_shortcodes_escaped(super().body(payload))


class Jekyll(Format):
    name = "jekyll"
    posts_folder = "_posts"
    site_files = ("_config.yml", "_config.yaml")
    updated_key = "last_modified_at"
    draft_key = "published"
    draft_value = False
    # No Liquid in an article: Jekyll would run {{ }} and {% %} before Markdown.
    fixed: ClassVar[dict[str, Any]] = {"layout": "post", "render_with_liquid": False}
    static_folder = ("assets/wonderblogs", "/assets/wonderblogs/")

    def file_name(self, stem: str, published: datetime) -> str:
        return f"{published:%Y-%m-%d}-{stem}.md"

    def image_folder(self, posts: Path, root: Path | None) -> tuple[Path, str]:
        return super().image_folder(posts, root or posts.parent)  # _posts is at the root


class Astro(Format):
    """Astro content collections: the keys of the blog starter's ``z.object``
    schema (``title``, ``description``, ``pubDate``, ``updatedDate``,
    ``heroImage``); zod drops the keys a schema does not name."""

    name = "astro"
    posts_folder = "src/content/blog"
    site_files = ("astro.config.mjs", "astro.config.ts", "astro.config.js", "astro.config.mts")
    published_key = "pubDate"
    updated_key = "updatedDate"
    cover_key = "heroImage"
    static_folder = ("public/wonderblogs", "/wonderblogs/")


class MkDocs(Format):
    """MkDocs Material's blog plugin. Its ``date`` must be a real timestamp, so
    the dates are written as YAML timestamps, not strings."""

    name = "mkdocs"
    posts_folder = "docs/blog/posts"
    site_files = ("mkdocs.yml", "mkdocs.yaml")
    # MkDocs copies everything under docs/ to the site as it is.
    static_folder = ("docs/assets/wonderblogs", "/assets/wonderblogs/")

    def generator_fields(self, post: Post) -> dict[str, Any]:
        fields = super().generator_fields(post)
        if post.payload.tags:
            fields["categories"] = post.payload.tags
        if post.authors:
            fields["authors"] = list(post.authors)
        return fields

    def date_fields(self, post: Post) -> dict[str, Any]:
        return {"date": {"created": post.published, "updated": post.updated}}

    def dates(self, meta: dict[str, Any]) -> tuple[datetime, datetime]:
        dates = meta["date"]
        return _moment(dates["created"]), _moment(dates.get("updated", dates["created"]))


class Pelican(Format):
    """Pelican's Markdown metadata: ``Key: value`` lines, a blank line, the body."""

    name = "pelican"
    posts_folder = "content"
    site_files = ("pelicanconf.py",)
    _RECORD = "Wonderblogs"

    @staticmethod
    def _line(value: str) -> str:
        return _LINE_BREAKS.sub(" ", value).strip()

    def render(self, post: Post) -> str:
        payload = post.payload
        body = self.body(payload)
        lines = {
            "Title": self._line(payload.title),
            "Date": _iso(post.published),
            "Modified": _iso(post.updated),
            "Slug": self._line(payload.slug),
            "Lang": self._line(payload.locale),
            "Summary": self._line(payload.description),
            # Pelican splits tags at commas.
            "Tags": ", ".join(" ".join(tag.replace(",", " ").split()) for tag in payload.tags),
            "Author": self._line(payload.author or ""),
            "Status": "draft" if post.draft else "",
            "Image": post.cover or "",
            # ASCII-only JSON: one line whatever the article holds.
            self._RECORD: json.dumps(_record(post, body), ensure_ascii=True, separators=(",", ":")),
        }
        head = "".join(f"{key}: {value}\n" for key, value in lines.items() if value)
        return f"{head}\n{body}"

    def draft_mark(self) -> str:
        return "Status: draft\n"

    def without_draft_mark(self, text: str) -> str:
        head, separator, body = text.partition("\n\n")  # the metadata lines end here
        return head.replace("\n" + self.draft_mark().rstrip("\n"), "") + separator + body

    def read(self, text: str) -> ReadBack:
        head, separator, body = text.partition("\n\n")
        if not separator:
            raise ValueError("no metadata")
        meta: dict[str, str] = {}
        for line in head.split("\n"):
            key, colon, value = line.partition(": ")
            if not colon:
                raise ValueError("not Pelican metadata")
            meta[key] = value
        record = json.loads(meta.get(self._RECORD, "{}"))
        if not isinstance(record, dict):
            raise ValueError("no record")
        published = _moment(meta["Date"])
        return ReadBack(
            payload=_payload(record, body),
            published=published,
            updated=_moment(meta.get("Modified", meta["Date"])),
            revision=int(record.get("revision", 1)),
            draft=meta.get("Status") == "draft",
        )

    def image_folder(self, posts: Path, root: Path | None) -> tuple[Path, str]:
        # Pelican copies content/images (its default STATIC_PATHS) to output/images.
        return posts / "images" / "wonderblogs", "/images/wonderblogs/"


FORMATS: dict[str, Format] = {f.name: f for f in (Hugo(), Jekyll(), Astro(), MkDocs(), Pelican())}
