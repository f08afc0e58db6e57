"""A clean page tree for each Wagtail test: the same for the Wagtail tests
and for the store suite's Wagtail backend."""

from __future__ import annotations

from wagtail.models import Locale, Page, Site

from .models import BlogIndexPage


def fresh_blog() -> BlogIndexPage:
    """An empty, published blog index at ``/blog/`` of the default site; every
    other page and every locale but the site's are gone."""
    home = Site.objects.get(is_default_site=True).root_page
    for page in home.get_children():
        page.delete()
    for page in Page.objects.filter(depth=2).exclude(pk=home.pk):  # translations of home
        page.delete()
    Locale.objects.exclude(pk=home.locale_id).delete()
    index = BlogIndexPage(title="Blog", slug="blog")
    home.add_child(instance=index)
    index.save_revision().publish()
    return index
