"""The Django ORM store: a [`Store`][wonderblogs_target.stores.Store] over the
app's models, keeping every promise of the store layer with the ORM's own
tools (a unique constraint, ``select_for_update``, ``transaction.atomic``)."""

from __future__ import annotations

import random
import threading
import time
import unicodedata
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.db import IntegrityError, OperationalError, connections, transaction
from django.utils import timezone

from ...errors import PublishRejected
from ...models import PublishPayload
from ...stores._base import (
    CHECK_SLUG_PREFIX,
    DEFAULT_REVISIONS,
    RECENT_LIMIT,
    StoredPost,
    is_check_article,
    numeric_id,
    opened,
    post_identity,
    recent_list,
    redact_url,
    revision_made_old,
    revisions_kept,
)
from .deliveries import DjangoDeliveryLog
from .jobs import DjangoJobQueue
from .models import PAYLOAD_COLUMNS, Article, ArticleRevision, Delivery
from .signals import article_received

__all__ = ["DjangoStore"]

# SQLite answers "database is locked" at once, rather than waiting, to a
# transaction that read before another one wrote; such a save starts again.
_BUSY_RETRY_SECONDS = 30.0


def _location(using: str) -> str:
    connection = connections[using]
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite":
        return f"Django database {using!r} (SQLite file {name})"
    data = connection.settings_dict
    url = f"{connection.vendor}://{data.get('USER') or ''}@{data.get('HOST') or ''}"
    return f"Django database {using!r} ({redact_url(url)}:{data.get('PORT') or ''}/{name})"


def _hand_to_tasks(job_id: str, using: str) -> None:
    # Imported when a job is handed over: the tasks framework is needed only
    # by a site that defers work.
    from .tasks import hand_to_tasks

    hand_to_tasks(job_id, using)


class DjangoStore:
    """Articles in the app's tables, through the database ``using``.

    ``publish_status`` is what a new article becomes (``"draft"`` or
    ``"published"``); a re-push keeps whatever status the article has, so a
    person's decision to publish or unpublish it stands.
    """

    def __init__(
        self,
        *,
        using: str = "default",
        publish_status: str = "draft",
        revisions: int = DEFAULT_REVISIONS,
    ) -> None:
        self.revisions_kept = revisions_kept(revisions)
        if publish_status not in Article.Status.values:
            raise ValueError(f"publish_status must be one of {Article.Status.values}")
        self.using = using
        self.publish_status = publish_status
        self.location = _location(using)
        self.delivery_log = DjangoDeliveryLog(using)
        #: The app's deferred work (Wagtail's covers, deferred receivers), run
        #: by the tasks framework (`wonderblogs_target.contrib.django.tasks`).
        self.job_queue = DjangoJobQueue(using, on_enqueue=_hand_to_tasks)
        # SQLite takes one writer at a time: in-process writers queue here
        # instead of failing and retrying.
        self._writers: AbstractContextManager[Any] = (
            _SQLITE_WRITERS if connections[using].vendor == "sqlite" else nullcontext()
        )
        opened("Django", self.location)

    # -- writing -------------------------------------------------------------------------

    def save(self, payload: PublishPayload) -> StoredPost:
        prepared = self.prepare(payload)
        deadline = time.monotonic() + _BUSY_RETRY_SECONDS
        with self._writers:
            while True:
                try:
                    return self._save(payload, prepared)
                except OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                time.sleep(random.uniform(0.005, 0.05))  # noqa: S311 - jitter, not secrets

    # -- the extension points of a store built on this one (the Wagtail store) -------------

    def prepare(self, payload: PublishPayload) -> Any:
        """Work done before the transaction (a download, say), so that it holds
        no lock while waiting; its result reaches `attach`."""
        return None

    def detach(self, article: Article) -> None:
        """Called inside the removal's transaction before the article goes:
        what a store built on this one made for it goes too (or it raises
        `PublishRejected` to leave it)."""

    def attach(
        self, article: Article, payload: PublishPayload, created: bool, prepared: Any
    ) -> str:
        """Called inside the save's transaction once the article is written; an
        exception undoes the whole save. Returns a note for the delivery log."""
        return ""

    def _save(self, payload: PublishPayload, prepared: Any) -> StoredPost:
        slug, locale = post_identity(payload)
        with transaction.atomic(using=self.using):
            rows = Article.objects.using(self.using).select_for_update()
            article = None
            if payload.is_update and payload.external_id:
                article = rows.filter(external_id=payload.external_id).order_by("id").first()
            if article is None:
                article = rows.filter(slug=slug, locale=locale).first()
            now = timezone.now()
            created = article is None
            if article is None:
                article = self._create(payload, slug, locale, now)
                if article is None:  # created by a concurrent push first: update it
                    created = False
                    article = rows.get(slug=slug, locale=locale)
            if not created:
                self._update(article, payload, slug, locale, now)
            note = self.attach(article, payload, created, prepared)
            Delivery.objects.using(self.using).create(
                action=Delivery.Action.NEW if created else Delivery.Action.UPDATE,
                outcome=Delivery.Outcome.ACCEPTED,
                status_code=200,
                article=article,
                note=note,
            )
            saved = article

            def announce() -> None:
                article_received.send(Article, article=saved, payload=payload, created=created)

            transaction.on_commit(announce, using=self.using)
        return self._post(article)

    def _create(self, payload: PublishPayload, slug: str, locale: str, now: Any) -> Article | None:
        status = "draft" if is_check_article(payload) else self.publish_status
        article = Article(status=status, revision=1, received_at=now, updated_at=now)
        article.set_payload(payload, slug, locale)
        try:
            with transaction.atomic(using=self.using):
                article.save(using=self.using)
        except IntegrityError:
            return None
        return article

    def _update(
        self, article: Article, payload: PublishPayload, slug: str, locale: str, now: Any
    ) -> None:
        ArticleRevision.objects.using(self.using).create(
            article=article, revision=article.revision, payload=article.document(), saved_at=now
        )
        # The one this write made old goes in the same transaction, by number.
        ArticleRevision.objects.using(self.using).filter(
            article=article, revision=revision_made_old(article.revision, self.revisions_kept)
        ).delete()
        moves = (article.slug, article.locale) != (slug, locale)
        before = {field: getattr(article, field) for field in PAYLOAD_COLUMNS}
        article.set_payload(payload, slug, locale)
        article.revision += 1
        article.updated_at = now
        # Only what changed is written: a repeated push (a retry) leaves the
        # article's large text columns untouched on disk.
        changed = [f for f in PAYLOAD_COLUMNS if getattr(article, f) != before[f]]
        fields = [*changed, "revision", "updated_at"]
        if not moves:  # same slug and locale: the unique constraint cannot fail
            article.save(using=self.using, update_fields=fields)
            return
        try:
            with transaction.atomic(using=self.using):
                article.save(using=self.using, update_fields=fields)
        except IntegrityError:
            # A rewrite that would move the article onto another article's slug.
            raise PublishRejected(
                f"slug {payload.slug!r} ({payload.locale}) belongs to another article",
                status_code=409,
            ) from None

    # -- reading -------------------------------------------------------------------------

    @staticmethod
    def _post(article: Article) -> StoredPost:
        return StoredPost(
            id=str(article.pk),
            payload=article.payload(),
            published_at=article.received_at,
            updated_at=article.updated_at,
            revision=article.revision,
        )

    def recent(self, limit: int = RECENT_LIMIT) -> list[StoredPost]:
        articles = Article.objects.using(self.using).order_by("-id")[:limit]
        return [self._post(article) for article in articles]

    def recent_articles(self, limit: int = RECENT_LIMIT) -> list[dict[str, str]]:
        # Ids are given in arrival order and received_at never changes, so the
        # primary key orders newest first without a sort.
        rows = (
            Article.objects.using(self.using)
            .exclude(slug__startswith=CHECK_SLUG_PREFIX)
            .order_by("-id")
        )
        return recent_list(rows.values_list("title", "description")[:limit])

    def get(self, post_id: str) -> StoredPost | None:
        ident = numeric_id(post_id)
        if ident is None:
            return None
        article = Article.objects.using(self.using).filter(pk=ident).first()
        return None if article is None else self._post(article)

    def find(self, slug: str, locale: str) -> StoredPost | None:
        article = (
            Article.objects.using(self.using)
            .filter(
                slug=unicodedata.normalize("NFC", slug), locale=unicodedata.normalize("NFC", locale)
            )
            .first()
        )
        return None if article is None else self._post(article)

    def revisions(self, post_id: str) -> list[StoredPost]:
        ident = numeric_id(post_id)
        if ident is None:
            return []
        rows = ArticleRevision.objects.using(self.using).filter(article_id=ident)
        return [
            StoredPost(
                id=post_id,
                payload=PublishPayload.model_validate(row.payload),
                published_at=row.saved_at,
                updated_at=row.saved_at,
                revision=row.revision,
            )
            for row in rows.order_by("-revision")
        ]

    def revision_count(self, post_id: str) -> int:
        ident = numeric_id(post_id)
        if ident is None:
            return 0
        count: int = ArticleRevision.objects.using(self.using).filter(article_id=ident).count()
        return count

    def count(self) -> int:
        count: int = Article.objects.using(self.using).count()
        return count

    def trim_revisions(self, *, dry_run: bool = False) -> int:
        from django.db.models import F

        beyond = ArticleRevision.objects.using(self.using).filter(
            revision__lte=F("article__revision") - 1 - self.revisions_kept
        )
        if dry_run:
            return int(beyond.count())
        with self._writers, transaction.atomic(using=self.using):
            return int(beyond.delete()[0])

    def remove(self, post_id: str) -> bool:
        ident = numeric_id(post_id)
        if ident is None:
            return False
        with self._writers, transaction.atomic(using=self.using):
            article = Article.objects.using(self.using).select_for_update().filter(pk=ident).first()
            if article is None:
                return False
            self.detach(article)
            article.delete(using=self.using)  # its revisions with it; deliveries keep no link
        return True

    def close(self) -> None:
        """Nothing to release: Django owns its connections."""


_SQLITE_WRITERS = threading.Lock()
