"""Wonderblogs articles as Wagtail pages: each delivery a revision of a child
page of the configured parent, a draft for review unless told otherwise, and
never published over a person's edits.

Install the ``wagtail`` extra and add this app after the Django app::

    INSTALLED_APPS = [..., "wonderblogs_target.contrib.django",
                      "wonderblogs_target.contrib.wagtail"]

and a ``"WAGTAIL"`` entry to the ``WONDERBLOGS`` setting (see `conf`).
The Django app's endpoint then saves through `WagtailStore`:
the article is kept in the Django app's tables as before (its revisions, its
delivery log), and the page is written in the same transaction.
"""

from ..._extras import missing_extra

try:
    import wagtail  # noqa: F401
except ImportError as exc:
    raise missing_extra("wagtail", "wagtail") from exc
