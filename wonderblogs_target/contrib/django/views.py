"""The endpoint view: the package's target, configured from ``WONDERBLOGS``,
saving into the app's models.

The target is built on first use and again whenever Django reports that a
setting changed (``override_settings`` in tests), so settings are read once,
not on every request. An ``API_KEY`` that is a callable is called on every
request, for keys kept outside the settings.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from ...core import TargetOptions, WonderblogsTarget
from ...django import django_response, exempt, target_request
from .conf import loaded, wonderblogs_setting
from .store import DjangoStore

__all__ = ["endpoint", "target"]

_built: WonderblogsTarget | None = None
_lock = threading.Lock()


def target() -> WonderblogsTarget:
    """The target the view serves, built from the current settings."""
    global _built
    with _lock:
        if _built is None:
            options: TargetOptions = {
                "get_context": loaded("CONTEXT"),
                "on_publish": _on_publish(),
                "store": configured_store(),
                "callback_timeout": wonderblogs_setting("CALLBACK_TIMEOUT"),
                "body_timeout": wonderblogs_setting("BODY_TIMEOUT"),
            }
            if wonderblogs_setting("ALLOW_UNAUTHENTICATED"):
                options["allow_unauthenticated"] = True
            else:
                options["api_key"] = wonderblogs_setting("API_KEY")
            if wonderblogs_setting("MAX_BODY_SIZE") is not None:
                options["max_body_size"] = int(wonderblogs_setting("MAX_BODY_SIZE"))
            _built = WonderblogsTarget(**options)
        return _built


def _on_publish() -> Any:
    """``ON_PUBLISH``, or, when ``DEFER`` names it, what writes its job down."""
    hook = loaded("ON_PUBLISH")
    if hook is not None and "on_publish" in (wonderblogs_setting("DEFER") or ()):
        from .receivers import deferred_on_publish

        return deferred_on_publish
    return hook


def configured_store() -> DjangoStore:
    """The store ``WONDERBLOGS`` describes: the Wagtail store, or the app's own."""
    if wonderblogs_setting("WAGTAIL") is not None:
        # The Wagtail app builds on this one; its check (E005) says when it is missing.
        from ..wagtail.store import WagtailStore

        return WagtailStore(revisions=wonderblogs_setting("REVISIONS"))
    return DjangoStore(
        publish_status=wonderblogs_setting("PUBLISH_STATUS"),
        revisions=wonderblogs_setting("REVISIONS"),
    )


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    global _built
    if setting == "WONDERBLOGS":
        with _lock:
            _built = None


@exempt
def endpoint(request: HttpRequest) -> HttpResponse:
    """GET the context, POST an article. Exempt from CSRF and login for the
    reason the plain view is: the bearer key, not a cookie, authenticates the
    sender."""
    # Every POST not stored is recorded by the store's delivery log (through
    # the target), accepted ones by the store in the save's own transaction.
    return django_response(target().handle(target_request(request)))
