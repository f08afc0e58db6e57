"""``WONDERBLOGS["WAGTAIL"]``, read and checked in one place (the system
checks and the store both ask here).

=================  ==========================================================
key                meaning
=================  ==========================================================
``PARENT_PAGE``    Where new pages go: a page's URL path (``"/blog/"``, within
                   the default site) or its id.
``PAGE_MODEL``     The page type to create, as ``"app_label.ModelName"``.
``FIELDS``         ``{page field: article field}``, e.g. ``{"body": "content",
                   "intro": "description", "cover": "coverImageUrl",
                   "tags": "tags"}``. Title, slug, ``seo_title`` and
                   ``search_description`` are always filled.
``PUBLISH``        ``False`` (default): a draft revision, submitted to the
                   parent's moderation workflow when one applies. ``True``:
                   the revision is published, unless a person edited the page.
=================  ==========================================================

What a page field can take, by its type:

* ``RichTextField``: Markdown (``content``) as sanitised HTML (raw HTML in
  the article is escaped, never run); any other text as one paragraph.
* ``StreamField`` with a ``RichTextBlock`` child (``paragraph`` preferred):
  one block per top-level Markdown block.
* ``TextField``, ``CharField``: the text as it is (Markdown stays Markdown); a
  ``CharField`` gets at most its ``max_length`` (the article keeps it whole).
* ``ClusterTaggableManager``: ``tags``.
* A ``ForeignKey`` to the image model: ``coverImageUrl``, downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.apps import apps
from django.conf import settings

from ...errors import ConfigurationError

__all__ = ["ARTICLE_FIELDS", "WagtailSettings", "field_kind", "problems", "wagtail_settings"]

#: Article fields a page field can be filled from (their wire names).
ARTICLE_FIELDS = (
    "content",
    "description",
    "title",
    "author",
    "tags",
    "coverImageUrl",
    "targetFocus",
    "refinedAngle",
)
_TEXT_KINDS = ("rich_text", "stream", "text")
#: Which kinds of page field each article field may go into.
_ACCEPTS = {
    **{name: _TEXT_KINDS for name in ARTICLE_FIELDS},
    "tags": ("tags",),
    "coverImageUrl": ("image", "text"),
}


@dataclass(frozen=True)
class WagtailSettings:
    parent: str | int
    page_model: Any  # a Page subclass
    fields: dict[str, str]
    publish: bool

    @cached_property
    def kinds(self) -> dict[str, str]:
        """Each mapped page field's kind, worked out once, not per delivery."""
        return {field: field_kind(self.page_model, field) for field in self.fields}

    def kind(self, field: str) -> str:
        return self.kinds[field]


def _raw() -> Any:
    return (getattr(settings, "WONDERBLOGS", None) or {}).get("WAGTAIL")


def field_kind(model: Any, name: str) -> str:
    """``rich_text``, ``stream``, ``text``, ``tags`` or ``image`` for a
    supported page field; a sentence saying why not otherwise."""
    from modelcluster.contrib.taggit import ClusterTaggableManager
    from wagtail.fields import RichTextField, StreamField
    from wagtail.images import get_image_model

    try:
        field = model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist
        return f"{model.__name__} has no field {name!r}"
    if isinstance(field, RichTextField):
        return "rich_text"
    if isinstance(field, StreamField):
        if paragraph_block(field) is None:
            return f"{model.__name__}.{name} is a StreamField without a RichTextBlock child"
        return "stream"
    if isinstance(field, ClusterTaggableManager):
        return "tags"
    if field.is_relation and field.related_model is get_image_model():
        return "image"
    if field.get_internal_type() in ("TextField", "CharField"):
        return "text"
    return (
        f"{model.__name__}.{name} is a {type(field).__name__}; supported: RichTextField, "
        "StreamField, TextField, CharField, ClusterTaggableManager, an image ForeignKey"
    )


def paragraph_block(field: Any) -> str | None:
    """The name of the StreamField's rich text block, ``paragraph`` first."""
    from wagtail.blocks import RichTextBlock

    children = field.stream_block.child_blocks
    names = [name for name, block in children.items() if isinstance(block, RichTextBlock)]
    if "paragraph" in names:
        return "paragraph"
    return names[0] if names else None


def problems() -> list[str]:
    """Everything wrong with the setting that can be told without the database."""
    from wagtail.models import Page

    raw = _raw()
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return ['WONDERBLOGS["WAGTAIL"] must be a dict']
    found: list[str] = []
    unknown = sorted(set(raw) - {"PARENT_PAGE", "PAGE_MODEL", "FIELDS", "PUBLISH"})
    found += [f'WONDERBLOGS["WAGTAIL"] has an unknown key {key!r}' for key in unknown]
    parent = raw.get("PARENT_PAGE")
    if isinstance(parent, bool) or not isinstance(parent, str | int):
        found.append('WONDERBLOGS["WAGTAIL"]["PARENT_PAGE"] must be a URL path or a page id')
    elif isinstance(parent, str) and not parent.startswith("/"):
        found.append(
            f'WONDERBLOGS["WAGTAIL"]["PARENT_PAGE"] {parent!r} must be a URL path starting '
            "with '/', or a page id"
        )
    if not isinstance(raw.get("PUBLISH", False), bool):
        found.append('WONDERBLOGS["WAGTAIL"]["PUBLISH"] must be True or False')
    label = raw.get("PAGE_MODEL")
    try:
        model = apps.get_model(label) if isinstance(label, str) else None
    except (LookupError, ValueError):
        model = None
    if model is None or not issubclass(model, Page):
        found.append(
            f'WONDERBLOGS["WAGTAIL"]["PAGE_MODEL"] {label!r} is not a page model '
            '("app_label.ModelName" of a Page subclass)'
        )
        return found
    fields = raw.get("FIELDS", {})
    if not isinstance(fields, dict):
        return [*found, 'WONDERBLOGS["WAGTAIL"]["FIELDS"] must be a dict']
    for page_field, article_field in fields.items():
        where = f'WONDERBLOGS["WAGTAIL"]["FIELDS"][{page_field!r}]'
        if article_field not in _ACCEPTS:
            found.append(
                f"{where}: {article_field!r} is not an article field; use one of "
                f"{', '.join(ARTICLE_FIELDS)}"
            )
            continue
        kind = field_kind(model, page_field)
        if kind not in ("rich_text", "stream", "text", "tags", "image"):
            found.append(f"{where}: {kind}")
        elif kind not in _ACCEPTS[article_field]:
            found.append(f"{where}: {article_field!r} cannot go into a {kind} field")
    return found


def wagtail_settings() -> WagtailSettings | None:
    """The checked setting, or None when it is not set."""
    raw = _raw()
    if raw is None:
        return None
    found = problems()
    if found:
        raise ConfigurationError("; ".join(found))
    return WagtailSettings(
        parent=raw["PARENT_PAGE"],
        page_model=apps.get_model(raw["PAGE_MODEL"]),
        fields=dict(raw.get("FIELDS", {})),
        publish=raw.get("PUBLISH", False),
    )
