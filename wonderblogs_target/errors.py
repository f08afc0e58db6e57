"""Exceptions the package raises or lets callers raise, and the one place that
turns a pydantic ``ValidationError`` into the error details we put on the wire."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field, ValidationError
from typing_extensions import Required, TypedDict

__all__ = [
    "ConfigurationError",
    "ErrorBody",
    "ErrorDetail",
    "PublishRejected",
    "format_location",
    "validation_details",
]


class ConfigurationError(ValueError):
    """The handler was set up in a way that cannot work (for example, no API key)."""


class PublishRejected(Exception):
    """Raise from ``on_publish`` to refuse an article with a 4xx status of your choice.

    Wonderblogs keeps a refused article as "ready to push", so a refusal loses
    nothing: fix the cause (a duplicate slug, say) and re-push from the dashboard.
    """

    def __init__(self, message: str, *, status_code: int = 409) -> None:
        if not 400 <= status_code <= 499:
            raise ValueError(f"status_code must be a 4xx status, got {status_code}")
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class ErrorDetail(TypedDict, total=False):
    """One failing field: where, which rule, a readable message and the limit, if any."""

    field: Required[Annotated[str, Field(description="Path of the field, like seo.metaTitle.")]]
    type: Required[Annotated[str, Field(description="Rule that failed, like string_too_long.")]]
    message: Required[Annotated[str, Field(description="The failure in plain words.")]]
    limit: Annotated[int | float, Field(description="The limit that was passed, if any.")]


class ErrorBody(TypedDict, total=False):
    """Every error answer: a message, and for a schema violation the failing fields."""

    error: Required[Annotated[str, Field(description="What went wrong.")]]
    details: Annotated[list[ErrorDetail], Field(description="One entry per failing field.")]


# pydantic error context keys that carry the documented limit.
_LIMIT_KEYS = ("max_length", "min_length", "le", "ge", "lt", "gt")


def format_location(loc: Sequence[int | str]) -> str:
    """``("recent_articles", 3, "summary")`` -> ``"recent_articles[3].summary"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(body)"


def validation_details(error: ValidationError) -> list[ErrorDetail]:
    """Details safe to send to the client: paths, rules and limits, never the input."""
    details: list[ErrorDetail] = []
    for item in error.errors(include_url=False, include_input=False):
        detail: ErrorDetail = {
            "field": format_location(item["loc"]),
            "type": item["type"],
            "message": item["msg"],
        }
        ctx: dict[str, Any] = item.get("ctx") or {}
        for key in _LIMIT_KEYS:
            value = ctx.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                detail["limit"] = value
                break
        details.append(detail)
    return details
