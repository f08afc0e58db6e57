"""Every documented limit of both documents, as (path, kind, limit) rows, and
helpers to reach a path in a document. Shared by the model, property and
OpenAPI tests."""

from __future__ import annotations

from typing import Any

Path = tuple[str | int, ...]

# (model, path in the sample document, kind, limit)
#   "chars": a string of at most `limit` characters
#   "items": a list of at most `limit` items
#   "max"/"min": a number bound (inclusive)
CONTEXT_LIMITS: list[tuple[Path, str, int]] = [
    (("brand_identity",), "chars", 5_000),
    (("tone_of_voice",), "chars", 5_000),
    (("instructions",), "chars", 10_000),
    (("content_focus",), "chars", 5_000),
    (("recent_articles",), "items", 50),
    (("recent_articles", 0, "title"), "chars", 500),
    (("recent_articles", 0, "summary"), "chars", 2_000),
    (("visual_identity", "color_palette"), "items", 10),
    (("visual_identity", "visual_style"), "chars", 100),
    (("visual_identity", "image_mood"), "items", 10),
    (("visual_identity", "banned_visual_elements"), "items", 20),
    (("visual_identity", "reference_description"), "chars", 2_000),
    (("visual_identity", "image_output", "aspect_ratio"), "chars", 10),
    (("visual_identity", "image_output", "quality"), "chars", 10),
    (("visual_identity", "image_output", "output_format"), "chars", 10),
    (("visual_identity", "image_output", "compression"), "max", 100),
    (("visual_identity", "image_output", "compression"), "min", 0),
    (("visual_identity", "image_output", "max_file_size_bytes"), "max", 10_485_760),
    (("visual_identity", "image_output", "max_file_size_bytes"), "min", 0),
    (("visual_identity", "image_output", "background"), "chars", 20),
]

PUBLISH_LIMITS: list[tuple[Path, str, int]] = [
    (("slug",), "chars", 200),
    (("locale",), "chars", 10),
    (("title",), "chars", 500),
    (("description",), "chars", 2_000),
    (("author",), "chars", 255),
    (("tags",), "items", 20),
    (("tags", 0), "chars", 100),
    (("seo", "metaTitle"), "chars", 200),
    (("seo", "metaDescription"), "chars", 500),
    (("seo", "slug"), "chars", 200),
    (("targetFocus",), "chars", 5_000),
    (("refinedAngle",), "chars", 5_000),
    (("sources",), "items", 20),
    (("sources", 0, "url"), "chars", 2_000),
    (("sources", 0, "title"), "chars", 500),
    (("externalId",), "chars", 500),
]


def set_path(doc: Any, path: Path, value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def get_path(doc: Any, path: Path) -> Any:
    for part in path:
        doc = doc[part]
    return doc
