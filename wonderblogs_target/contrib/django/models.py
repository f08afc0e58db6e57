"""Articles as the site's own rows: every field of the publish payload is a
column (or a JSON field), so a site queries, filters and templates them like
any model of its own."""

from __future__ import annotations

from typing import Any

from django.db import models

from ...models import PublishPayload

__all__ = ["PAYLOAD_COLUMNS", "Article", "ArticleRevision", "DeferredJob", "Delivery"]

# Payload fields with a column of their own (wire name -> attribute); anything
# else Wonderblogs sends is kept in ``Article.extra``.
_SIMPLE = {
    "slug": "slug",
    "locale": "locale",
    "title": "title",
    "description": "description",
    "content": "content",
    "author": "author",
    "tags": "tags",
    "targetFocus": "target_focus",
    "refinedAngle": "refined_angle",
    "coverImageUrl": "cover_image_url",
    "sources": "sources",
    "action": "action",
    "externalId": "external_id",
}
_SEO = {"metaTitle": "seo_title", "metaDescription": "seo_description", "slug": "seo_slug"}
#: The columns that hold the payload.
PAYLOAD_COLUMNS = (*_SIMPLE.values(), *_SEO.values(), "extra")


class Article(models.Model):
    """The current version of one article (one row per slug and locale)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    slug = models.CharField(max_length=200, help_text="In Unicode NFC.")
    locale = models.CharField(max_length=10)
    title = models.CharField(max_length=500)
    description = models.TextField()
    content = models.TextField(help_text="Markdown, as received.")
    author = models.CharField(max_length=255, null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    seo_title = models.CharField("SEO title", max_length=200)
    seo_description = models.TextField("SEO description")
    seo_slug = models.CharField("SEO slug", max_length=200)
    target_focus = models.TextField(null=True, blank=True)
    refined_angle = models.TextField(null=True, blank=True)
    cover_image_url = models.TextField(null=True, blank=True)
    sources = models.JSONField(null=True, blank=True)
    action = models.CharField(max_length=20, null=True, blank=True)
    external_id = models.CharField(max_length=500, null=True, blank=True, db_index=True)
    extra = models.JSONField(
        default=dict, blank=True, help_text="Fields Wonderblogs sent that have no column."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(db_index=True, help_text="When it first arrived.")
    updated_at = models.DateTimeField(help_text="When its current version arrived.")

    class Meta:
        ordering = ("-received_at", "-id")
        constraints = (
            models.UniqueConstraint(fields=("slug", "locale"), name="wonderblogs_article_slug"),
        )

    def __str__(self) -> str:
        return self.title

    def set_payload(self, payload: PublishPayload, slug: str, locale: str) -> None:
        """Copy every field of ``payload`` onto the row."""
        wire = payload.model_dump(mode="json")
        for name, attribute in _SIMPLE.items():
            setattr(self, attribute, wire.get(name))
        self.slug, self.locale = slug, locale
        if self.tags is None:
            self.tags = []
        for name, attribute in _SEO.items():
            setattr(self, attribute, wire["seo"][name])
        self.extra = dict(payload.model_extra or {})

    def document(self) -> dict[str, Any]:
        """The article as Wonderblogs sent it (wire names, unset fields left out)."""
        document: dict[str, Any] = {
            name: getattr(self, attribute)
            for name, attribute in _SIMPLE.items()
            if getattr(self, attribute) is not None
        }
        document["seo"] = {name: getattr(self, attribute) for name, attribute in _SEO.items()}
        return {**document, **self.extra}

    def payload(self) -> PublishPayload:
        return PublishPayload.model_validate(self.document())


class ArticleRevision(models.Model):
    """An earlier version of an article, whole, as it was received."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    payload = models.JSONField(help_text="The article as Wonderblogs sent it then.")
    saved_at = models.DateTimeField(help_text="When it was replaced by the next version.")

    class Meta:
        ordering = ("-revision",)
        constraints = (
            models.UniqueConstraint(
                fields=("article", "revision"), name="wonderblogs_revision_number"
            ),
        )

    def __str__(self) -> str:
        return f"{self.article_id} revision {self.revision}"


class Delivery(models.Model):
    """One POST that reached the endpoint and how it was answered. Never holds
    the key, nor the body of a request that was refused; the body of a valid
    article the site failed to store (5xx) is kept, so that the admin's
    "Apply again" can store it once the cause is mended."""

    class Action(models.TextChoices):
        NEW = "new", "New article"
        UPDATE = "update", "Update"

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REFUSED = "refused", "Refused (4xx)"
        FAILED = "failed", "Failed (5xx)"

    received_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=10, choices=Action.choices, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField()
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    note = models.TextField(
        blank=True,
        help_text="What happened beyond the status, such as a Wagtail page left as a draft "
        "because a person edited it, or a cover image that could not be downloaded.",
    )

    body = models.TextField(
        null=True,
        blank=True,
        editable=False,
        help_text="The article as it arrived, kept only when the site failed to store it.",
    )
    applied_at = models.DateTimeField(
        null=True, blank=True, help_text="When its kept article was applied again."
    )
    applied_status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The status of applying it again (200: stored)."
    )

    class Meta:
        # Rows arrive in time order, so the id orders them without an index of its own.
        ordering = ("-id",)
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.status_code} {self.outcome} at {self.received_at:%Y-%m-%d %H:%M:%S}"

    @property
    def waiting(self) -> bool:
        """True while it keeps an article no one has applied again."""
        return self.body is not None and self.applied_at is None


class DeferredJob(models.Model):
    """Work a delivery left for after its answer (a Wagtail cover's download,
    a receiver marked deferred), run by the site's task worker; the rules are
    `wonderblogs_target.stores._jobs`'s. A failed job stays, with its error."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=50, help_text="What to do: cover, receiver.")
    subject = models.CharField(max_length=200, help_text="What it is about (an article's id).")
    data = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts begun so far.")
    created_at = models.DateTimeField()
    run_after = models.DateTimeField(help_text="Not run before this time.")
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A running job's worker holds it until then."
    )
    message = models.TextField(
        blank=True, help_text="The last error of a failing job, or what a finished one said."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        indexes = [models.Index(fields=["state", "run_after"], name="wonderblogs_job_due")]  # noqa: RUF012

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} ({self.state})"
