"""The Wagtail store: the Django app's store, with each article also written as
a revision of a Wagtail page, in the same transaction.

The rules, each in one place below:

* A new article becomes a child page of the parent (or of the parent's
  translation in the article's locale). A sibling with the same slug that
  did not come from Wonderblogs answers 409, and nothing is created.
* Every delivery is a revision (``save_revision``), so the page's history
  shows each one. ``PUBLISH: False`` leaves it a draft, submitted to the
  moderation workflow that applies, if any; ``True`` publishes it.
* A page changed in Wagtail since an import (its latest revision is not the
  one the import wrote) is never published over: from then on each import is
  a draft revision, whatever ``PUBLISH`` says, until a person publishes an
  imported revision; the delivery's note says why. A person's unpublished
  draft stays the page's latest revision, with the import's just before it.
* A cover that cannot be downloaded never costs the article: the page is
  saved without it, and the log and the delivery's note say why.
* With ``WONDERBLOGS["DEFER"] = ["covers"]`` the cover is downloaded after the
  answer, by the site's task worker (`wonderblogs_target.contrib.django.tasks`):
  the import's revision is saved without it, and the job adds a revision
  with the image, published only if the import's revision was live, and
  never when a person changed the page meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from html import escape
from io import BytesIO
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.db import transaction

from ..._images import Destinations, DownloadedImage
from ..._markdown import render_markdown, render_markdown_blocks
from ...errors import ConfigurationError, ImageDownloadError, PublishRejected
from ...models import PublishPayload
from ...stores import is_check_article, post_identity
from ...stores._base import DEFAULT_REVISIONS
from ...stores._covers import ImageFetcher
from ..django.conf import wonderblogs_setting
from ..django.models import Article
from ..django.store import DjangoStore
from .conf import WagtailSettings, paragraph_block, wagtail_settings
from .models import ImportedPage

if TYPE_CHECKING:
    from ...stores._jobs import Job, JobHandler

__all__ = ["WagtailStore"]

#: What `WagtailStore.prepare` returns for a cover left to the task worker.
_LATER = "the cover image is downloaded after the answer (DEFER)"


def _is_live(page: Any) -> bool:
    """Whether the page's latest revision is the one visitors see."""
    return bool(page.live) and page.live_revision_id == page.latest_revision_id


logger = logging.getLogger("wonderblogs_target.contrib.wagtail")

EDITED = (
    "the page was changed in Wagtail after the last import: this delivery is a draft "
    "revision and the live page is left as it is"
)
HELD = (
    "the page was changed in Wagtail after an earlier import: imports are draft revisions "
    "until a person publishes one of them"
)
KEPT_DRAFT = (
    "a person's unpublished draft stays the page's latest revision; this delivery is the "
    "revision before it"
)


class WagtailStore(DjangoStore):
    """See the module docstring. ``config`` defaults to ``WONDERBLOGS["WAGTAIL"]``,
    ``image_fetcher`` to one with ``WONDERBLOGS["V1_API_KEY"]``."""

    def __init__(
        self,
        *,
        using: str = "default",
        config: WagtailSettings | None = None,
        image_fetcher: ImageFetcher | None = None,
        revisions: int = DEFAULT_REVISIONS,
    ) -> None:
        found = config or wagtail_settings()
        if found is None:
            raise ConfigurationError('WONDERBLOGS["WAGTAIL"] is not set')
        self.config = found
        super().__init__(
            using=using,
            publish_status="published" if found.publish else "draft",
            revisions=revisions,
        )
        self.images = image_fetcher or ImageFetcher(
            v1_api_key=wonderblogs_setting("V1_API_KEY"),
            base_url=wonderblogs_setting("V1_BASE_URL"),
            destinations=Destinations(allow=tuple(wonderblogs_setting("IMAGES_ALLOW") or ())),
        )
        self.defer_covers = "covers" in (wonderblogs_setting("DEFER") or ())

    @property
    def job_handlers(self) -> Mapping[str, JobHandler]:
        """What the task worker runs for the jobs this store defers."""
        return {"cover": self._attach_cover}

    def _cover_fields(self) -> list[str]:
        return [
            field
            for field, source in self.config.fields.items()
            if source == "coverImageUrl" and self.config.kind(field) == "image"
        ]

    # -- outside the transaction ----------------------------------------------------------

    def prepare(self, payload: PublishPayload) -> DownloadedImage | str | None:
        """The cover, downloaded now so that no lock is held while it comes; or
        the reason it could not be."""
        if not payload.cover_image_url or not self._cover_fields():
            return None
        if self.defer_covers:
            return _LATER
        try:
            return self.images.fetch(payload.cover_image_url)
        except ImageDownloadError as exc:
            logger.warning("cover image of %r not downloaded: %s", payload.slug, exc)
            return f"cover image not downloaded ({exc}); the page was saved without it"

    # -- inside the transaction -----------------------------------------------------------

    def detach(self, article: Article) -> None:
        """The article's page goes with it, unless a person changed the page
        since the last import (or holds it): then both are left."""
        link = ImportedPage.objects.using(self.using).filter(article=article).first()
        if link is None or link.page_id is None:
            return
        page = link.page
        if link.held or page.latest_revision_id != link.revision_id:
            raise PublishRejected(
                f"page {page.pk} was changed by a person since the import; it is left as it is",
                status_code=409,
            )
        page.delete()

    def attach(
        self, article: Article, payload: PublishPayload, created: bool, prepared: Any
    ) -> str:
        notes = [prepared] if isinstance(prepared, str) else []
        image = prepared if isinstance(prepared, DownloadedImage) else None
        link = ImportedPage.objects.using(self.using).filter(article=article).first()
        if link is not None and link.page_id is None:
            return "; ".join([*notes, "the page was deleted in Wagtail and is not created again"])
        if prepared == _LATER:
            # Handed to the task worker once this transaction commits.
            self.job_queue.enqueue("cover", str(article.pk))
        try:
            if link is None:
                self._create_page(article, payload, image, notes)
            else:
                self._revise_page(link, payload, image, notes)
        except ValidationError as exc:
            unfilled = sorted(set(getattr(exc, "error_dict", {})) - self._filled())
            if unfilled:
                # The site's model asks for more than the import gives: the
                # site's to mend, not the article's; a 5xx keeps the article.
                raise ConfigurationError(
                    f"{self.config.page_model.__name__} requires "
                    f"{', '.join(map(repr, unfilled))}, which no article field fills "
                    f"({_validation_message(exc)}): give the field a default or blank=True, "
                    'or fill it from the article in WONDERBLOGS["WAGTAIL"]["FIELDS"]'
                ) from None
            raise PublishRejected(_validation_message(exc), status_code=422) from None
        return "; ".join(notes)

    def _attach_cover(self, job: Job) -> str:
        """The deferred cover: download it, then add it to the page in a revision
        of its own. Done once however often it runs: a page showing the image
        already is left alone. A download that fails raises, so the job is
        tried again later."""
        article = Article.objects.using(self.using).filter(pk=int(job.subject)).first()
        if article is None:
            return "the article is gone; no cover to attach"
        url = article.cover_image_url
        if not url:
            return "the article has no cover now"
        image = self.images.fetch(url)  # outside the transaction: no lock while it comes
        payload = article.payload()
        with transaction.atomic(using=self.using):
            link = (
                ImportedPage.objects.using(self.using)
                .select_for_update()
                .filter(article=article)
                .first()
            )
            if link is None or link.page_id is None:
                return "the article has no page (deleted in Wagtail); no cover to attach"
            # Read again under the lock: a re-push during the download wins.
            stored = Article.objects.using(self.using).filter(pk=article.pk)
            if stored.values_list("cover_image_url", flat=True).first() != url:
                return "the article was re-pushed with another cover; that push's job attaches it"
            page = link.page.specific
            if page.latest_revision_id != link.revision_id:
                return (
                    "a person changed the page since the import; the cover is not added over "
                    "their edit"
                )
            notes: list[str] = []
            made = self._image(payload, image, notes)
            if made is None:
                return "; ".join(notes)
            draft = page.get_latest_revision_as_object()
            fields = self._cover_fields()
            if all(getattr(draft, f"{field}_id", None) == made.pk for field in fields):
                return "the cover was attached already"
            for field in fields:
                setattr(draft, field, made)
            publish = page.live and page.live_revision_id == link.revision_id and not link.held
            revision = draft.save_revision(log_action=True)
            if publish:
                revision.publish(log_action=True)
            link.revision = revision
            link.save(using=self.using, update_fields=["revision"])
        return f"cover attached to page {page.pk}" + (" and published" if publish else "")

    def _filled(self) -> set[str]:
        """The page fields an import sets."""
        return {"title", "slug", "seo_title", "search_description", *self.config.fields}

    def _create_page(
        self,
        article: Article,
        payload: PublishPayload,
        image: DownloadedImage | None,
        notes: list[str],
    ) -> None:
        from wagtail.models import Page

        parent = self._parent(payload)
        slug, _ = post_identity(payload)
        if not Page._slug_is_available(slug, parent):
            raise PublishRejected(
                f"slug {payload.slug!r}: a page under {parent.url_path} has it already and did "
                "not come from Wonderblogs; it is left as it is",
                status_code=409,
            )
        page = self.config.page_model(live=False)
        self._fill(page, payload, image, notes)
        twin = self._translation_of(payload)
        if twin is not None:
            page.translation_key = twin.translation_key
        parent.add_child(instance=page)
        revision = page.save_revision(log_action=True)
        self._release(page, revision, publish=self.config.publish and not is_check_article(payload))
        ImportedPage.objects.using(self.using).create(article=article, page=page, revision=revision)

    def _revise_page(
        self,
        link: ImportedPage,
        payload: PublishPayload,
        image: DownloadedImage | None,
        notes: list[str],
    ) -> None:
        from wagtail.models import Page

        page = link.page.specific  # type: ignore[union-attr]
        edited = page.latest_revision_id != link.revision_id
        # A person's draft: their latest revision is not the live one.
        persons_draft = page.latest_revision if edited and not _is_live(page) else None
        # Publishing the import's last revision is how a person lifts the hold.
        lifted = not edited and page.live and page.live_revision_id == link.revision_id
        held = edited or (link.held and not lifted)
        draft = page.get_latest_revision_as_object()
        self._fill(draft, payload, image, notes)
        if draft.slug != page.slug and not Page._slug_is_available(
            draft.slug, page.get_parent(), page
        ):
            raise PublishRejected(
                f"slug {payload.slug!r}: another page under {page.get_parent().url_path} has it",
                status_code=409,
            )
        revision = draft.save_revision(log_action=True)
        if edited:
            notes.append(EDITED)
        elif held:
            notes.append(HELD)
        publish = self.config.publish and not held and not is_check_article(payload)
        self._release(draft, revision, publish=publish)
        if persons_draft is not None:
            # Theirs again on top, as it was: the editor opens what they left.
            persons_draft.as_object().save_revision(user=persons_draft.user, log_action=False)
            notes.append(KEPT_DRAFT)
        link.revision = revision
        link.held = held
        link.save(using=self.using, update_fields=["revision", "held"])

    def _release(self, page: Any, revision: Any, *, publish: bool) -> None:
        """Publish ``revision``, or leave it a draft for the workflow that applies."""
        if publish:
            revision.publish(log_action=True)
            return
        workflow = page.get_workflow()
        if workflow is not None and not page.workflow_in_progress:
            workflow.start(page, None)

    # -- where the page goes --------------------------------------------------------------

    def _parent(self, payload: PublishPayload) -> Any:
        from wagtail.models import Locale, Page, Site

        where = self.config.parent
        if isinstance(where, int):
            parent = Page.objects.filter(pk=where).first()
        else:
            site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
            parent = None
            if site is not None:
                root = site.root_page
                path = root.url_path + where.strip("/") + "/" if where.strip("/") else root.url_path
                parent = Page.objects.filter(url_path=path).first()
        if parent is None:
            raise ConfigurationError(
                f'WONDERBLOGS["WAGTAIL"]["PARENT_PAGE"] {where!r} is not a page of the default site'
            )
        if not self.config.page_model.can_create_at(parent.specific):
            raise ConfigurationError(
                f"a {self.config.page_model.__name__} cannot be created under {parent.url_path} "
                "(see its parent_page_types and the parent's subpage_types)"
            )
        if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            site_language = Locale.get_default().language_code
            if _language(payload.locale) != _language(site_language):
                raise PublishRejected(
                    f"locale {payload.locale!r}: this site publishes in {site_language!r} only "
                    "(WAGTAIL_I18N_ENABLED is off)",
                    status_code=422,
                )
            return parent
        locale = _wagtail_locale(payload.locale)
        if parent.locale_id == locale.pk:
            return parent
        translation = parent.get_translation_or_none(locale)
        if translation is None:
            raise PublishRejected(
                f"locale {payload.locale!r}: the parent page {parent.url_path} has no "
                f"{locale.language_code!r} translation",
                status_code=422,
            )
        return translation

    def _translation_of(self, payload: PublishPayload) -> Any:
        """The page of the same slug in another locale: the new page joins its
        translations."""
        slug, locale = post_identity(payload)
        twin = (
            ImportedPage.objects.using(self.using)
            .filter(article__slug=slug, page__isnull=False)
            .exclude(article__locale=locale)
            .select_related("page")
            .first()
        )
        return None if twin is None else twin.page

    # -- what goes into the page's fields -------------------------------------------------

    def _fill(
        self, page: Any, payload: PublishPayload, image: DownloadedImage | None, notes: list[str]
    ) -> None:
        page.title = payload.title
        page.draft_title = payload.title
        page.slug = post_identity(payload)[0]
        page.seo_title = payload.seo.meta_title
        page.search_description = payload.seo.meta_description
        wire = payload.model_dump(by_alias=True)
        for field, source in self.config.fields.items():
            kind = self.config.kind(field)
            value = wire.get(source)
            if kind == "tags":
                getattr(page, field).set(list(value or []))
            elif kind == "image":
                if image is not None:
                    setattr(page, field, self._image(payload, image, notes))
            elif value is None:
                setattr(page, field, "" if kind != "stream" else [])
            else:
                setattr(page, field, self._text(page, field, kind, source, str(value)))
        # Wagtail checks only the title and slug before it saves a new page; every
        # field the article filled is checked here, so a refusal names the field.
        filled = self._filled()
        page.clean_fields(exclude=[f.name for f in page._meta.fields if f.name not in filled])

    def _text(self, page: Any, field: str, kind: str, source: str, value: str) -> Any:
        from wagtail.rich_text import RichText

        if kind == "rich_text":
            return render_markdown(value) if source == "content" else f"<p>{escape(value)}</p>"
        if kind == "stream":
            block = paragraph_block(page._meta.get_field(field))
            chunks = (
                render_markdown_blocks(value)
                if source == "content"
                else [f"<p>{escape(value)}</p>"]
            )
            return [(block, RichText(chunk)) for chunk in chunks]
        limit = page._meta.get_field(field).max_length
        if limit is not None and len(value) > limit:
            return value[: limit - 1].rstrip() + "…"  # the article keeps it whole
        return value

    def _image(self, payload: PublishPayload, image: DownloadedImage, notes: list[str]) -> Any:
        """A Wagtail image of the cover: the one already there for the same bytes,
        or a new one. One that cannot be made (not a picture Pillow can read)
        leaves the page without it."""
        from wagtail.images import get_image_model

        model = get_image_model()
        digest = hashlib.sha1(image.content).hexdigest()  # noqa: S324 - Wagtail's own file_hash
        existing = model.objects.filter(file_hash=digest).first()
        if existing is not None:
            return existing
        slug = post_identity(payload)[0]
        made = model(title=payload.title[:255], file_hash=digest)
        try:
            with transaction.atomic(using=self.using):
                made.file = ImageFile(
                    BytesIO(image.content), name=f"{slug}-{image.digest}{image.extension}"
                )
                made.save()
        except Exception as exc:  # Pillow's and the storage's errors, whatever they are
            logger.warning("cover image of %r not kept: %s", payload.slug, exc)
            notes.append(
                f"cover image not kept ({type(exc).__name__}); the page was saved without it"
            )
            return None
        return made


def _language(code: str) -> str:
    return code.replace("_", "-").split("-", 1)[0].lower()


def _wagtail_locale(code: str) -> Any:
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    try:
        language = get_supported_content_language_variant(code)
    except LookupError:
        raise PublishRejected(
            f"locale {code!r} is not one of the site's languages (WAGTAIL_CONTENT_LANGUAGES)",
            status_code=422,
        ) from None
    locale = Locale.objects.filter(language_code=language).first()
    if locale is None:
        raise PublishRejected(
            f"locale {code!r}: Wagtail has no {language!r} locale (add it under Settings, Locales)",
            status_code=422,
        )
    return locale


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        parts = [
            f"page field {field!r}: {' '.join(str(m) for e in errors for m in e.messages)}"
            for field, errors in exc.error_dict.items()
        ]
        return "; ".join(parts)
    return "; ".join(exc.messages)
