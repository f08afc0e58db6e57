"""System checks (``manage.py check``): a setup that cannot work is an error
at start-up, not a 500 when Wonderblogs first calls."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import NoReverseMatch, reverse
from pydantic import ValidationError

from ...core import _lacks_recent
from ...errors import ConfigurationError, describe_violations
from ...models import ContextResponse, context_json
from ...stores._base import revisions_kept
from .conf import PUBLISH_STATUSES, deferred_backoff, loaded, wonderblogs_setting

__all__ = ["check_settings", "check_urls", "check_waiting_deliveries", "tasks_framework"]


def _context_problems(document: Any) -> list[str]:
    if isinstance(document, ContextResponse):
        document = document.model_dump(exclude_unset=True)
    if _lacks_recent(document):  # the app fills them from the articles
        document = {**document, "recent_articles": []}
    try:
        context_json(document)
    except ValidationError as exc:
        return describe_violations(document, exc)
    return []


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    open_endpoint = bool(wonderblogs_setting("ALLOW_UNAUTHENTICATED"))
    if not wonderblogs_setting("API_KEY") and not open_endpoint:
        messages.append(
            Error(
                'WONDERBLOGS["API_KEY"] is not set.',
                hint="Set it to the Target Authentication Key from the Wonderblogs dashboard "
                '(or set WONDERBLOGS["ALLOW_UNAUTHENTICATED"] = True for an open endpoint).',
                id="wonderblogs.E001",
            )
        )
    if open_endpoint:
        messages.append(
            Warning(
                "The Wonderblogs endpoint accepts requests without a key.",
                hint="Anyone who finds the URL can publish articles. Set "
                'WONDERBLOGS["API_KEY"] for anything but a local trial.',
                id="wonderblogs.W001",
            )
        )
    try:
        context = loaded("CONTEXT")
    except ImportError as exc:
        messages.append(
            Error(f'WONDERBLOGS["CONTEXT"] cannot be imported: {exc}', id="wonderblogs.E003")
        )
    else:
        if context is None:
            messages.append(
                Error(
                    'WONDERBLOGS["CONTEXT"] is not set.',
                    hint="A dict with brand_identity, tone_of_voice, instructions and "
                    "content_focus, or the dotted path of a function returning it.",
                    id="wonderblogs.E002",
                )
            )
        elif not callable(context):
            messages.extend(
                Error(
                    f'WONDERBLOGS["CONTEXT"] breaks the contract: {problem}', id="wonderblogs.E002"
                )
                for problem in _context_problems(context)
            )
    try:
        loaded("ON_PUBLISH")
    except ImportError as exc:
        messages.append(
            Error(f'WONDERBLOGS["ON_PUBLISH"] cannot be imported: {exc}', id="wonderblogs.E003")
        )
    status = wonderblogs_setting("PUBLISH_STATUS")
    if status not in PUBLISH_STATUSES:
        messages.append(
            Error(
                f'WONDERBLOGS["PUBLISH_STATUS"] is {status!r}.',
                hint='Use "draft" or "published".',
                id="wonderblogs.E004",
            )
        )
    try:
        revisions_kept(wonderblogs_setting("REVISIONS"))
    except ConfigurationError as exc:
        messages.append(
            Error(
                f'WONDERBLOGS["REVISIONS"]: {exc}.',
                hint="The number of earlier versions kept of each article, such as 50 (0: none).",
                id="wonderblogs.E006",
            )
        )
    days = wonderblogs_setting("DELIVERY_LOG_DAYS")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        messages.append(
            Error(
                f'WONDERBLOGS["DELIVERY_LOG_DAYS"] is {days!r}.',
                hint="The days a delivery stays in the log: a whole number, 1 or more.",
                id="wonderblogs.E007",
            )
        )
    messages.extend(_deferral_problems())
    if wonderblogs_setting("WAGTAIL") is not None and not apps.is_installed(
        "wonderblogs_target.contrib.wagtail"
    ):
        messages.append(
            Error(
                'WONDERBLOGS["WAGTAIL"] is set, but the Wagtail app is not installed.',
                hint='Add "wonderblogs_target.contrib.wagtail" to INSTALLED_APPS, after '
                '"wonderblogs_target.contrib.django".',
                id="wonderblogs.E005",
            )
        )
    return messages


#: What ``WONDERBLOGS["DEFER"]`` may name.
DEFERRABLE = ("covers", "on_publish")


def tasks_framework() -> str | None:
    """The module of Django's tasks framework here (``django.tasks``, or the
    ``django_tasks`` backport), or None when neither is installed."""
    from importlib.util import find_spec

    for name in ("django.tasks", "django_tasks"):
        try:
            if find_spec(name) is not None:
                return name
        except ImportError:  # a parent package missing
            continue
    return None


def _deferral_problems() -> list[CheckMessage]:
    defer = wonderblogs_setting("DEFER") or ()
    unknown = [what for what in defer if what not in DEFERRABLE]
    if isinstance(defer, str) or unknown:
        return [
            Error(
                f'WONDERBLOGS["DEFER"] is {defer!r}.',
                hint=f"A list naming what runs after the answer: {', '.join(DEFERRABLE)}.",
                id="wonderblogs.E008",
            )
        ]
    if defer and tasks_framework() is None:
        return [
            Error(
                f'WONDERBLOGS["DEFER"] is {list(defer)!r}, but Django has no tasks framework.',
                hint="Deferred work runs on Django's tasks framework: Django 6 has it; before, "
                'pip install "django-tasks" and configure TASKS with a backend whose worker '
                "the site runs (django-tasks-db's db_worker, for one).",
                id="wonderblogs.E009",
            )
        ]
    try:
        deferred_backoff()
    except (TypeError, ValueError, AttributeError) as exc:
        return [
            Error(
                f'WONDERBLOGS["DEFERRED_JOBS"] cannot be used: {exc}',
                hint="A dict of ATTEMPTS (a whole number, 1 or more), FIRST_PAUSE, MAX_PAUSE "
                "and LEASE (seconds).",
                id="wonderblogs.E010",
            )
        ]
    return []


@register(Tags.urls)
def check_urls(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        reverse("wonderblogs:endpoint")
    except NoReverseMatch:
        return [
            Warning(
                "The Wonderblogs endpoint is not in any URLconf, so Wonderblogs cannot reach it.",
                hint="Add path('api/wonderblogs', "
                "include('wonderblogs_target.contrib.django.urls')) to your urlpatterns.",
                id="wonderblogs.W002",
            )
        ]
    return []


@register(Tags.database)
def check_waiting_deliveries(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """Failed deliveries whose article waits to be applied again. A database
    check: ``manage.py check --database default`` and ``migrate`` run it."""
    from django.db import DatabaseError

    from .models import Delivery

    messages: list[CheckMessage] = []
    for using in databases or ():
        try:
            waiting = (
                Delivery.objects.using(using)
                .filter(body__isnull=False, applied_at__isnull=True)
                .count()
            )
        except DatabaseError:  # not migrated yet: migrate creates the table
            continue
        if waiting:
            messages.append(
                Warning(
                    f"{waiting} failed deliver{'y' if waiting == 1 else 'ies'} in database "
                    f"{using!r} keep{'s' if waiting == 1 else ''} an article that is not stored.",
                    hint="Mend the cause (the log's note says it), then select them under "
                    'Wonderblogs > Deliveries in the admin and choose "Apply again".',
                    id="wonderblogs.W003",
                )
            )
        messages.extend(_failed_jobs(using))
    return messages


def _failed_jobs(using: str) -> list[CheckMessage]:
    from django.db import DatabaseError

    from .models import DeferredJob

    try:
        failed = DeferredJob.objects.using(using).filter(state=DeferredJob.State.FAILED).count()
    except DatabaseError:  # not migrated yet
        return []
    if not failed:
        return []
    return [
        Warning(
            f"{failed} deferred job{'' if failed == 1 else 's'} in database {using!r} failed "
            "after every attempt.",
            hint="Their errors are under Wonderblogs > Deferred jobs in the admin; once the "
            'cause is mended, select them and choose "Run again".',
            id="wonderblogs.W004",
        )
    ]
