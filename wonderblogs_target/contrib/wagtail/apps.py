"""The app's configuration: label ``wonderblogs_wagtail``."""

from __future__ import annotations

from django.apps import AppConfig


class WonderblogsWagtailConfig(AppConfig):
    name = "wonderblogs_target.contrib.wagtail"
    label = "wonderblogs_wagtail"
    verbose_name = "Wonderblogs for Wagtail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
