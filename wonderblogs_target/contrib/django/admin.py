"""The admin: what arrived, each article rendered as a reader sees it, its
revisions and deliveries, and publish/unpublish.

The article's fields are read-only here: the row is Wonderblogs' copy, and a
re-push updates it, so an edit made here would be overwritten. Only the status
is a person's to decide, and a re-push never changes it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ..._markdown import render_markdown
from ...stores import CHECK_SLUG_PREFIX, apply_again, delivery_log_of
from .deliveries import kept_delivery
from .models import Article, ArticleRevision, DeferredJob, Delivery

_PAYLOAD_FIELDS = (
    "title",
    "slug",
    "locale",
    "description",
    "author",
    "tags",
    "seo_title",
    "seo_description",
    "seo_slug",
    "target_focus",
    "refined_angle",
    "cover_image_url",
    "sources",
    "external_id",
    "action",
    "extra",
)


class _ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RevisionInline(_ReadOnlyInline):
    model = ArticleRevision
    fields = readonly_fields = ("revision", "revision_title", "saved_at")
    verbose_name_plural = "Earlier versions"

    @admin.display(description="Title")
    def revision_title(self, revision: ArticleRevision) -> str:
        return str(revision.payload.get("title", ""))


class DeliveryInline(_ReadOnlyInline):
    model = Delivery
    fields = readonly_fields = ("received_at", "action", "outcome", "status_code", "note")
    show_change_link = True


class CheckArticleFilter(admin.SimpleListFilter):
    """The checker's test articles apart from real ones."""

    title = "origin"
    parameter_name = "origin"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("wonderblogs", "Wonderblogs"), ("check", "wonderblogs-target check")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        chosen: QuerySet[Any] = queryset
        if self.value() == "check":
            chosen = queryset.filter(slug__startswith=CHECK_SLUG_PREFIX)
        elif self.value() == "wonderblogs":
            chosen = queryset.exclude(slug__startswith=CHECK_SLUG_PREFIX)
        return chosen


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "locale", "status", "revision", "received_at")
    list_filter = ("status", "locale", CheckArticleFilter)
    search_fields = ("title", "slug")
    date_hierarchy = "received_at"
    readonly_fields = (*_PAYLOAD_FIELDS, "rendered", "revision", "received_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("status", "title", "rendered")}),
        ("Article", {"fields": _PAYLOAD_FIELDS[1:], "classes": ("collapse",)}),
        ("History", {"fields": ("revision", "received_at", "updated_at")}),
    )
    inlines = (RevisionInline, DeliveryInline)
    actions = ("publish", "unpublish")

    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("wonderblogs/admin.css",)}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # articles come from Wonderblogs

    @admin.display(description="Article")
    def rendered(self, article: Article) -> SafeString:
        # Markdown rendered with raw HTML off: a <script> in an article is text.
        return format_html(
            '<div class="wonderblogs-article">{}</div>',
            mark_safe(render_markdown(article.content)),  # noqa: S308 - escaped by the renderer
        )

    @admin.action(description="Publish the selected articles")
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        changed = queryset.update(status=Article.Status.PUBLISHED)
        self.message_user(request, f"{changed} article(s) published.", messages.SUCCESS)

    @admin.action(description="Unpublish the selected articles (back to draft)")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        changed = queryset.update(status=Article.Status.DRAFT)
        self.message_user(request, f"{changed} article(s) set back to draft.", messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The delivery log, by outcome. A failed delivery keeps its article, and
    "Apply again" stores it through the endpoint's own store once the cause
    is mended; each attempt is a new delivery in the log."""

    list_display = ("received_at", "action", "outcome", "status_code", "article", "kept")
    list_filter = ("outcome", "action", "status_code")
    readonly_fields = (
        "received_at",
        "action",
        "outcome",
        "status_code",
        "article",
        "note",
        "kept",
        "applied_at",
        "applied_status",
    )
    actions = ("apply_again",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Kept article")
    def kept(self, delivery: Delivery) -> str:
        if delivery.body is None:
            return "-"
        article = kept_delivery(delivery).article()
        name = "an article that no longer validates"
        if article is not None:
            name = f"{article[0]} ({article[1]})"
        if delivery.applied_at is None:
            return f"{name}: waiting to be applied again"
        return f"{name}: applied again ({delivery.applied_status})"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        since = timezone.now() - timedelta(days=7)
        rows = Delivery.objects.filter(outcome=Delivery.Outcome.FAILED)
        context = {
            **(extra_context or {}),
            "failed_recently": rows.filter(received_at__gte=since).count(),
            "failed_waiting": rows.filter(body__isnull=False, applied_at__isnull=True).count(),
        }
        return super().changelist_view(request, extra_context=context)

    @admin.action(description="Apply again (store the kept article)")
    def apply_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        from .views import target

        store = target().store
        log = delivery_log_of(store)
        if store is None or log is None:  # pragma: no cover - the app's target always has both
            self.message_user(request, "the endpoint keeps no delivery log", messages.ERROR)
            return
        for delivery in queryset.order_by("id"):
            done = apply_again(store, log, str(delivery.pk))
            level = messages.SUCCESS if done.stored else messages.ERROR
            self.message_user(request, f"Delivery {delivery.pk}: {done.message}", level)


@admin.register(DeferredJob)
class DeferredJobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The deferred work (covers, deferred receivers), by state: what waits,
    what runs, and what failed after every attempt, with its error. "Run
    again" gives a failed job its attempts back once the cause is mended."""

    list_display = ("id", "kind", "subject", "state", "attempts", "run_after", "short_message")
    list_filter = ("state", "kind")
    readonly_fields = (
        "kind",
        "subject",
        "data",
        "state",
        "attempts",
        "created_at",
        "run_after",
        "lease_until",
        "message",
        "finished_at",
    )
    actions = ("run_again",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Message")
    def short_message(self, job: DeferredJob) -> str:
        return job.message if len(job.message) <= 120 else job.message[:119] + "\u2026"

    @admin.action(description="Run again (failed jobs: every attempt anew)")
    def run_again(self, request: HttpRequest, queryset: QuerySet[DeferredJob]) -> None:
        from .tasks import job_queue

        queue = job_queue(queryset.db)
        again = [str(job.pk) for job in queryset.order_by("id") if queue.again(str(job.pk))]
        if again:
            self.message_user(
                request, f"Job(s) {', '.join(again)} handed to the task worker.", messages.SUCCESS
            )
        if len(again) < queryset.count():
            self.message_user(
                request, "Only failed jobs run again; the others were left.", messages.WARNING
            )
