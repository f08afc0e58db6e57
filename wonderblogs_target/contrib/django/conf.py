"""The ``WONDERBLOGS`` setting: one dict, read in one place.

==========================  =================================================
key                         meaning
==========================  =================================================
``API_KEY``                 The Target Authentication Key: a str, a list during
                            a rotation, or a callable returning them.
``CONTEXT``                 The brand context: a dict, or a callable (or the
                            dotted path of one) returning it.
                            ``recent_articles`` may be left out: the newest
                            articles fill it.
``PUBLISH_STATUS``          What a new article becomes: ``"draft"`` (default)
                            or ``"published"``. A re-push keeps the status.
``REVISIONS``               Earlier versions kept of each article (50; ``0``
                            none); older ones go with the write that made them
                            old. Wagtail's own page revisions follow Wagtail's
                            ``purge_revisions`` command.
``DELIVERY_LOG_DAYS``       Days a delivery stays in the log (90):
                            ``manage.py wonderblogs_prune`` removes older ones.
``ALLOW_UNAUTHENTICATED``   ``True`` for an endpoint without a key.
``MAX_BODY_SIZE``           Largest accepted body in bytes (default 5 MiB).
``CALLBACK_TIMEOUT``        Seconds the save and hooks may take.
``BODY_TIMEOUT``            Seconds a client may take to send its body (30).
``ON_PUBLISH``              A callable (or dotted path) run after each save;
                            prefer the ``article_received`` signal.
``WAGTAIL``                 Articles as Wagtail pages too; needs the
                            ``wonderblogs_target.contrib.wagtail`` app (see it).
``V1_API_KEY``              The Wonderblogs v1 API key, for cover images that
                            are paths on the Wonderblogs API (Wagtail).
``V1_BASE_URL``             That API's address (default: Wonderblogs' own).
``IMAGES_ALLOW``            Host names and networks that cover downloads may
                            reach although they are not on the public internet
                            (default: none; loopback, private and link-local
                            addresses are refused).
``DEFER``                   What runs after the answer on Django's tasks
                            framework: ``"covers"`` (Wagtail's cover
                            downloads), ``"on_publish"`` (``ON_PUBLISH``).
                            Receivers are deferred with
                            ``receivers.deferred``.
``DEFERRED_JOBS``           How deferred jobs are retried: ``ATTEMPTS`` (6),
                            ``FIRST_PAUSE`` (30 s, tripled after each
                            failure), ``MAX_PAUSE`` (3600 s), ``LEASE`` (300 s
                            a worker holds a job before another may take it).
==========================  =================================================
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from ...stores import DEFAULT_DELIVERY_LOG_DAYS, DEFAULT_REVISIONS
from ...stores._jobs import Backoff

__all__ = ["DEFAULTS", "PUBLISH_STATUSES", "deferred_backoff", "loaded", "wonderblogs_setting"]

DEFAULTS: dict[str, Any] = {
    "API_KEY": None,
    "CONTEXT": None,
    "PUBLISH_STATUS": "draft",
    "REVISIONS": DEFAULT_REVISIONS,
    "DELIVERY_LOG_DAYS": DEFAULT_DELIVERY_LOG_DAYS,
    "ALLOW_UNAUTHENTICATED": False,
    "MAX_BODY_SIZE": None,
    "CALLBACK_TIMEOUT": None,
    "BODY_TIMEOUT": 30.0,
    "ON_PUBLISH": None,
    "WAGTAIL": None,
    "V1_API_KEY": None,
    "V1_BASE_URL": None,
    "IMAGES_ALLOW": (),
    "DEFER": (),
    "DEFERRED_JOBS": {},
}
PUBLISH_STATUSES = ("draft", "published")


def wonderblogs_setting(name: str) -> Any:
    """One key of ``settings.WONDERBLOGS``, or its default."""
    configured = getattr(settings, "WONDERBLOGS", None) or {}
    return configured.get(name, DEFAULTS[name])


def loaded(name: str) -> Any:
    """``CONTEXT`` or ``ON_PUBLISH``, with a dotted path replaced by what it names."""
    value = wonderblogs_setting(name)
    return import_string(value) if isinstance(value, str) else value


def deferred_backoff() -> Backoff:
    """``DEFERRED_JOBS`` as the queue's rules; raises ``ValueError`` or
    ``TypeError`` for values that cannot be (the system check says which)."""
    given = dict(wonderblogs_setting("DEFERRED_JOBS") or {})
    defaults = Backoff()
    return Backoff(
        attempts=int(given.get("ATTEMPTS", defaults.attempts)),
        first=float(given.get("FIRST_PAUSE", defaults.first)),
        cap=float(given.get("MAX_PAUSE", defaults.cap)),
        lease=float(given.get("LEASE", defaults.lease)),
    )
