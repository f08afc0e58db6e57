"""The Wonderblogs target contract as pydantic models.

Two directions, two policies:

* The context document (GET) is what *we* send. Wonderblogs refuses unknown keys
  and over-long values, so these models forbid extras, refuse explicit ``null``
  for fields that may only be left out, and re-validate on assignment: an
  instance is always something Wonderblogs will accept.
* The publish payload (POST) is what Wonderblogs sends *us*. Its limits and
  required fields are enforced, but unknown keys are kept in ``model_extra`` and
  ``null`` is read as "absent", so a field the vendor adds later never costs an
  article.

Python attributes are snake_case; the wire names (``metaTitle``, ``coverImageUrl``)
are aliases, accepted on input and produced on output.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StrictFloat,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import SchemaSerializer, SchemaValidator, core_schema

from ._limits import RECENT_ARTICLES_MAX

__all__ = [
    "ContextResponse",
    "ImageOutput",
    "PublishPayload",
    "RecentArticle",
    "Seo",
    "Source",
    "VisualIdentity",
]

#: Largest ``max_file_size_bytes`` the vendor accepts (10 MiB).
MAX_IMAGE_FILE_SIZE = 10_485_760


class _OmitNotNull:
    """Metadata for context fields that may be left out but never sent as ``null``.

    The Python type stays ``X | None`` (``None`` meaning "not set", the
    default), while validation and the JSON Schema see only ``X``: that is what
    the vendor's validator accepts. Unwrapping the nullable schema keeps the
    rule inside pydantic-core, with no Python call per field.
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        schema = handler(source)
        if schema["type"] == "nullable":
            inner: core_schema.CoreSchema = schema["schema"]
            return inner
        return schema


_OMIT = _OmitNotNull()

# Context (GET) types. ``None`` below means "left out"; an explicit null is refused.
ContextText5000 = Annotated[str, StringConstraints(max_length=5_000)]
ShortOption = Annotated[str | None, StringConstraints(max_length=10), _OMIT]
Number0To100 = Annotated[
    StrictInt | StrictFloat | None,
    Field(ge=0, le=100),
    _OMIT,
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]


def _drop_null_defaults(schema: dict[str, Any]) -> None:
    """``default: null`` would tell readers to send null; absent is what is meant."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


# Both directions: snake_case attributes, wire names (aliases) in and out.
# Each model is compiled on first use, not at import: a process pays only for
# the models it uses (a POST never builds the context's, a GET never the
# article's).
_WIRE_NAMES = ConfigDict(
    json_schema_extra=_drop_null_defaults,
    validate_by_name=True,
    validate_by_alias=True,
    serialize_by_alias=True,
    defer_build=True,
)


class _ContextModel(BaseModel):
    model_config = ConfigDict(**_WIRE_NAMES, extra="forbid", validate_assignment=True)


class ImageOutput(_ContextModel):
    """Technical settings for generated cover images; every field may be left out."""

    aspect_ratio: ShortOption = Field(
        default=None, description="Aspect ratio such as 16:9, 3:2, 4:3, 1:1, 4:5, 3:4, 2:3 or 9:16."
    )
    quality: ShortOption = Field(
        default=None, description="Rendering quality: low, medium or high."
    )
    output_format: ShortOption = Field(
        default=None, description="File format of the image: webp, png or jpeg."
    )
    compression: Number0To100 = Field(
        default=None, description="Quality for lossy formats (webp, jpeg), from 0 to 100."
    )
    max_file_size_bytes: Annotated[StrictInt | None, Field(ge=0, le=MAX_IMAGE_FILE_SIZE), _OMIT] = (
        Field(default=None, description="Upper bound on the image's size in bytes; 0 means none.")
    )
    background: Annotated[str | None, StringConstraints(max_length=20), _OMIT] = Field(
        default=None, description="Background handling: opaque, transparent or auto."
    )


class VisualIdentity(_ContextModel):
    """How cover images should look. Left out, Wonderblogs uses the site's stored settings."""

    color_palette: Annotated[list[str] | None, Field(max_length=10), _OMIT] = Field(
        default=None, description="Brand colours, as hex codes or names (up to 10)."
    )
    visual_style: Annotated[str | None, StringConstraints(max_length=100), _OMIT] = Field(
        default=None,
        description="Image style, for example flat-illustration, photorealistic or line-art.",
    )
    image_mood: Annotated[list[str] | None, Field(max_length=10), _OMIT] = Field(
        default=None, description="Feelings the image should carry (up to 10)."
    )
    banned_visual_elements: Annotated[list[str] | None, Field(max_length=20), _OMIT] = Field(
        default=None, description="Things that must never appear in an image (up to 20)."
    )
    reference_description: Annotated[str | None, StringConstraints(max_length=2_000), _OMIT] = (
        Field(default=None, description="Free prose describing the wanted visual direction.")
    )
    image_output: Annotated[ImageOutput | None, _OMIT] = Field(
        default=None, description="Technical output settings for generated images."
    )


class RecentArticle(_ContextModel):
    """One article the site already has, so that new topics do not repeat it."""

    title: Annotated[str, StringConstraints(max_length=500)] = Field(
        description="The published article's title."
    )
    summary: Annotated[str | None, StringConstraints(max_length=2_000), _OMIT] = Field(
        default=None, description="A sentence or two on what the article covers."
    )


class ContextResponse(_ContextModel):
    """The brand context a site returns before every generation run.

    All five top-level fields are required; an empty string is a valid "nothing to
    say". When ``content_focus`` is null or empty (and the run has no topic of its
    own) Wonderblogs skips the run.
    """

    brand_identity: ContextText5000 = Field(
        description="Who the company is and what sets it apart, in a paragraph or two."
    )
    tone_of_voice: ContextText5000 = Field(
        description="How the writing should sound: register, style, attitude."
    )
    instructions: Annotated[str, StringConstraints(max_length=10_000)] = Field(
        description="Rules for the writer: audience, formatting, subjects to stress or avoid."
    )
    content_focus: ContextText5000 | None = Field(
        description="The theme that drives topic choice now. Null or empty skips scheduled runs."
    )
    recent_articles: Annotated[list[RecentArticle], Field(max_length=RECENT_ARTICLES_MAX)] = Field(
        description="Articles already published, newest first, so new posts do not repeat them."
    )
    visual_identity: Annotated[VisualIdentity | None, _OMIT] = Field(
        default=None, description="Preferences for generated cover images."
    )

    def to_json(self) -> bytes:
        """Serialise with wire names, leaving out the optional fields that were never set."""
        # Straight to bytes: model_dump_json() would build a str to encode again.
        return self.__pydantic_serializer__.to_json(self, exclude_unset=True)


def _as_typed_dicts(node: Any, extra: str | None = None) -> Any:
    """A core schema with every model turned into a typed dict of the same fields.

    The rules (types, limits, required keys, no extras) come over unchanged;
    what goes is the building of model instances, which a document that is
    only checked and sent never needs.
    """
    if isinstance(node, list):
        return [_as_typed_dicts(item) for item in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if kind == "model":
        config = node.get("config") or {}
        return _as_typed_dicts(node["schema"], config.get("extra_fields_behavior", "ignore"))
    if kind == "model-fields":
        fields = {}
        for name, field in node["fields"].items():
            schema, required = field["schema"], True
            if schema.get("type") == "default":
                schema, required = schema["schema"], False
            fields[name] = core_schema.typed_dict_field(
                _as_typed_dicts(schema),
                required=required,
                validation_alias=field.get("validation_alias"),
                serialization_alias=field.get("serialization_alias"),
            )
        return core_schema.typed_dict_schema(fields, extra_behavior=extra)  # type: ignore[arg-type]
    return {key: _as_typed_dicts(value) for key, value in node.items()}


class InboundModel(BaseModel):
    """The base of every model of what Wonderblogs sends (articles, callback
    events, v1 API answers): rules enforced, unknown keys kept in
    ``model_extra``, so a field the vendor adds later never costs a delivery."""

    model_config = ConfigDict(**_WIRE_NAMES, extra="allow")


# Publish (POST) types: limits enforced, extras kept, null read as "absent".


class Seo(InboundModel):
    """Search-engine metadata generated for the article."""

    meta_title: Annotated[str, StringConstraints(max_length=200)] = Field(
        alias="metaTitle", description="Title for the HTML <title> tag and search results."
    )
    meta_description: Annotated[str, StringConstraints(max_length=500)] = Field(
        alias="metaDescription", description="Text for the meta description tag."
    )
    slug: Annotated[str, StringConstraints(max_length=200)] = Field(
        description="URL slug proposed by the SEO step."
    )


class Source(InboundModel):
    """A page the article draws on."""

    url: Annotated[str, StringConstraints(max_length=2_000)] = Field(
        description="Address of the source."
    )
    title: Annotated[str, StringConstraints(max_length=500)] = Field(
        description="Title of the source page."
    )


class PublishPayload(InboundModel):
    """A finished article pushed by Wonderblogs (a new post, or a rewrite when
    ``action == "update"``). Unknown keys survive in ``model_extra``."""

    slug: Annotated[str, StringConstraints(max_length=200)] = Field(
        description="URL-friendly identifier of the post."
    )
    locale: Annotated[str, StringConstraints(max_length=10)] = Field(
        description="Language code of the post, such as en or de."
    )
    title: Annotated[str, StringConstraints(max_length=500)] = Field(
        description="The post's title as readers see it."
    )
    description: Annotated[str, StringConstraints(max_length=2_000)] = Field(
        description="A short summary for listings and previews."
    )
    content: str = Field(description="The article body, in Markdown.")
    author: Annotated[str, StringConstraints(max_length=255)] | None = Field(
        default=None, description="Author name taken from the site settings."
    )
    tags: Annotated[
        list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=20)
    ] = Field(description="Categories and keywords (up to 20).")
    seo: Seo = Field(description="Search-engine metadata.")
    target_focus: Annotated[str, StringConstraints(max_length=5_000)] | None = Field(
        default=None, alias="targetFocus", description="The content focus the run wrote about."
    )
    refined_angle: Annotated[str, StringConstraints(max_length=5_000)] | None = Field(
        default=None, alias="refinedAngle", description="The angle chosen to keep the post unique."
    )
    cover_image_url: str | None = Field(
        default=None,
        alias="coverImageUrl",
        description=(
            "Cover image: a public URL, or a path on the Wonderblogs API that needs the "
            "bearer key to download."
        ),
    )
    sources: Annotated[list[Source], Field(max_length=20)] | None = Field(
        default=None, description="Pages the article cites (up to 20)."
    )
    action: str | None = Field(
        default=None,
        description='"update" when the post is a rewrite of an existing one; absent for new posts.',
    )
    external_id: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None,
        alias="externalId",
        description="The caller's own id for the post, echoed back on rewrites.",
    )

    @property
    def is_update(self) -> bool:
        """True for a rewrite, which should replace the post it names, not add one."""
        return self.action == "update"


@cache
def _context_codec() -> tuple[SchemaValidator, SchemaSerializer, SchemaValidator, SchemaSerializer]:
    """The context's validator and serializer, and those of its
    ``recent_articles`` field alone, compiled from ``ContextResponse`` on
    first use: a process that never answers a GET (a worker, a command) does
    not pay for them at import."""
    ContextResponse.model_rebuild()  # compiled now, if it was not yet (defer_build)
    schema = _as_typed_dicts(ContextResponse.__pydantic_core_schema__)
    # The context's own schema of its recent_articles field: the same rules,
    # read from the same model.
    recent = schema["fields"]["recent_articles"]["schema"]
    return (
        SchemaValidator(schema),
        SchemaSerializer(schema),
        SchemaValidator(recent),
        SchemaSerializer(recent),
    )


def context_json(document: Any) -> bytes:
    """Check a context document given as plain data and return its wire JSON.

    Same rules and error locations as ``ContextResponse.model_validate``
    (the validator is compiled from that model), without building model
    instances: about twice as fast for a full context with 50 articles.
    Raises ``pydantic.ValidationError``.
    """
    validator, serializer, _, _ = _context_codec()
    return serializer.to_json(validator.validate_python(document))


def recent_articles_json(articles: Any) -> bytes:
    """Check a ``recent_articles`` list by the context's rules and return its
    wire JSON; raises ``pydantic.ValidationError`` (locations start at the index)."""
    _, _, validator, serializer = _context_codec()
    return serializer.to_json(validator.validate_python(articles))
