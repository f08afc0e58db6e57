"""Which page each article became, and the revision of it last imported: the
difference between that revision and the page's latest one is how a person's
edit is seen."""

from __future__ import annotations

import swapper
from django.db import models

__all__ = ["ImportedPage"]


class ImportedPage(models.Model):
    article = models.OneToOneField(
        "wonderblogs.Article", on_delete=models.CASCADE, related_name="wagtail_page"
    )
    # A page deleted in Wagtail stays deleted: the link goes, and a re-push
    # is kept as an article without recreating the page.
    page = models.OneToOneField(
        swapper.get_model_name("wagtailcore", "Page"),  # Wagtail's Page can be swapped
        null=True,
        on_delete=models.SET_NULL,
        related_name="wonderblogs_import",
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The page's revision written by the last import.",
    )
    # Once a person changed the page, no import publishes it again until a
    # person publishes an imported revision: checking only whether the latest
    # revision is the import's own would forget the edit after one delivery.
    held = models.BooleanField(
        default=False,
        help_text="Imports are drafts: a person changed the page since an import, and has not "
        "published an imported revision since.",
    )

    class Meta:
        verbose_name = "imported page"

    def __str__(self) -> str:
        return f"article {self.article_id} as page {self.page_id}"
