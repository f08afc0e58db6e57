"""The app's configuration: label ``wonderblogs``."""

from __future__ import annotations

from django.apps import AppConfig


class WonderblogsConfig(AppConfig):
    name = "wonderblogs_target.contrib.django"
    label = "wonderblogs"
    verbose_name = "Wonderblogs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks and the settings-change receiver.
        from . import checks, views  # noqa: F401
