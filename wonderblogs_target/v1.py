"""Models of the Wonderblogs v1 API (generate, rewrite, translate, images).

Request models carry the documented rules, so the client refuses a bad request
before it costs a round trip (or a unit of the monthly quota), and the emulator
in [`wonderblogs_target.testing`][wonderblogs_target.testing] refuses it the way the service does.
Response models keep unknown fields, like every model of what Wonderblogs sends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal, TypeAlias
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from .models import InboundModel, PublishPayload

__all__ = [
    "GenerateImageRequest",
    "GeneratePostRequest",
    "GeneratedPost",
    "ImageJob",
    "ImageJobAccepted",
    "Language",
    "RewritePostRequest",
    "RunAccepted",
    "RunStatus",
    "TranslatePostRequest",
]

Language: TypeAlias = Literal["en", "de", "fr", "es", "it", "pt", "nl"]
RUN_TERMINAL = frozenset({"completed", "failed", "skipped"})
IMAGE_TERMINAL = frozenset({"completed", "failed"})
#: Seconds the v1 commands wait for a run before they stop (exit 3): a real
#: run takes minutes.
DEFAULT_RUN_TIMEOUT = 900.0


def _https_only(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("callback_url must be an absolute https:// URL")
    return url


HttpsUrl = Annotated[str, AfterValidator(_https_only)]
Topic = Annotated[str, StringConstraints(min_length=3, max_length=500)]
ExistingContent = Annotated[str, StringConstraints(min_length=100, max_length=30_000)]
Slug = Annotated[str, StringConstraints(max_length=200)]
ExternalId = Annotated[str, StringConstraints(max_length=500)]


class GeneratedPost(InboundModel):
    """The post a finished run produced: in the run status and in ``run.completed``."""

    title: str
    slug: str
    content: str = Field(description="The article in Markdown.")
    meta_title: str | None = None
    meta_description: str | None = None
    tags: list[str] = Field(default_factory=list)
    image_url: str | None = None

    def to_payload(
        self, locale: str, *, action: str | None = None, external_id: str | None = None
    ) -> PublishPayload:
        """The post as the publish payload a store saves: the one mapping the
        v1 commands and the callback receivers' ``store=`` share.

        ``title``, ``slug``, ``content`` and ``tags`` carry over; ``meta_title``
        and ``meta_description`` become ``seo`` (the title and the summary when
        absent), and ``meta_description`` is the description too (the first
        paragraph of the content when absent); ``image_url`` becomes
        ``coverImageUrl``. A post that breaks a publish limit raises pydantic's
        ``ValidationError``, naming the field, before anything is written.
        """
        description = self.meta_description or _first_paragraph(self.content, 500) or self.title
        document: dict[str, object] = {
            "slug": self.slug,
            "locale": locale,
            "title": self.title,
            "description": description,
            "content": self.content,
            "tags": self.tags,
            "seo": {
                "metaTitle": self.meta_title or self.title,
                "metaDescription": self.meta_description or description,
                "slug": self.slug,
            },
        }
        if self.image_url:
            document["coverImageUrl"] = self.image_url
        if action is not None:
            document["action"] = action
        if external_id is not None:
            document["externalId"] = external_id
        return PublishPayload.model_validate(document)


def _first_paragraph(markdown: str, limit: int) -> str:
    """The first paragraph of prose (no heading, list or fence), on one line,
    cut at a word to at most ``limit`` characters."""
    for block in markdown.split("\n\n"):
        text = " ".join(line.strip() for line in block.strip().splitlines())
        if text and not text.startswith(("#", "-", "*", ">", "`", "|", "!")):
            if len(text) <= limit:
                return text
            return text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"
    return ""


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GeneratePostRequest(_Request):
    topic: Topic
    language: Language | None = None
    callback_url: HttpsUrl | None = None


class RewritePostRequest(_Request):
    existing_content: ExistingContent
    topic: Topic | None = None
    language: Language | None = None
    existing_slug: Slug | None = None
    external_id: ExternalId | None = None
    research: bool = False
    callback_url: HttpsUrl | None = None


class TranslatePostRequest(_Request):
    existing_content: ExistingContent
    target_language: Language
    topic: Topic | None = None
    existing_slug: Slug | None = None
    external_id: ExternalId | None = None
    callback_url: HttpsUrl | None = None


class GenerateImageRequest(_Request):
    title: Annotated[str, StringConstraints(min_length=1, max_length=1_000)]
    content: Annotated[str, StringConstraints(min_length=1, max_length=50_000)]
    callback_url: HttpsUrl | None = None


class _Accepted(InboundModel):
    status: str = "pending"
    poll_url: str | None = None


class RunAccepted(_Accepted):
    """202 answer to a generate, rewrite or translate request."""

    run_id: str


class ImageJobAccepted(_Accepted):
    """202 answer to an image request."""

    job_id: str


class _Job(InboundModel):
    status: str
    error: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    #: The statuses after which nothing changes any more.
    terminal_statuses: ClassVar[frozenset[str]] = frozenset()

    @property
    def is_terminal(self) -> bool:
        return self.status in self.terminal_statuses


class RunStatus(_Job):
    """A run as ``GET /api/v1/posts/runs/{id}`` shows it."""

    terminal_statuses: ClassVar[frozenset[str]] = RUN_TERMINAL
    run_id: str
    post: GeneratedPost | None = None


class ImageJob(_Job):
    """An image job as ``GET /api/v1/images/jobs/{id}`` shows it."""

    terminal_statuses: ClassVar[frozenset[str]] = IMAGE_TERMINAL
    job_id: str
    image_url: str | None = None
