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
        from . import checks, views

        if checks.tasks_framework() is not None:
            # The deferred-work task finds its handlers here: the configured
            # store's (Wagtail's covers) and the deferred receivers'.
            from . import tasks
            from .receivers import deferred_handlers

            tasks.handler_sources.extend(
                [lambda: getattr(views.configured_store(), "job_handlers", {}), deferred_handlers]
            )
