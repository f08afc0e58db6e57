"""System checks: a ``WAGTAIL`` setting that cannot work is an error at
start-up, not a 500 when the first article arrives."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from .conf import problems

__all__ = ["check_wagtail_settings"]


@register()
def check_wagtail_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [Error(problem, hint=_HINT, id="wonderblogs_wagtail.E001") for problem in problems()]


_HINT = (
    "See the README's Wagtail section: PARENT_PAGE, PAGE_MODEL, FIELDS ({page field: article "
    "field}) and PUBLISH."
)
