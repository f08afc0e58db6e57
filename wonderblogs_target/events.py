"""Typed completion callbacks of the Wonderblogs v1 API.

Wonderblogs POSTs one of five events to a ``callback_url`` when a run or an
image job ends. They form a union discriminated on ``event``; unknown extra
fields are kept (``model_extra``) so that a field the vendor adds later is not
a reason to refuse a delivery.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .errors import CallbackPayloadError, validation_details

__all__ = [
    "CallbackEvent",
    "CallbackPayloadError",
    "GeneratedPost",
    "ImageCompletedEvent",
    "ImageFailedEvent",
    "RunCompletedEvent",
    "RunFailedEvent",
    "RunSkippedEvent",
    "parse_callback_event",
]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class GeneratedPost(_Lenient):
    """The post a finished run produced (as in the run status and run.completed)."""

    title: str
    slug: str
    content: str = Field(description="The article in Markdown.")
    meta_title: str | None = None
    meta_description: str | None = None
    tags: list[str] = Field(default_factory=list)
    image_url: str | None = None


class RunCompletedEvent(_Lenient):
    event: Literal["run.completed"]
    run_id: str
    status: str = "completed"
    post: GeneratedPost


class RunFailedEvent(_Lenient):
    event: Literal["run.failed"]
    run_id: str
    status: str = "failed"
    error: str | None = None


class RunSkippedEvent(_Lenient):
    event: Literal["run.skipped"]
    run_id: str
    status: str = "skipped"
    error: str | None = None


class ImageCompletedEvent(_Lenient):
    event: Literal["image.completed"]
    job_id: str
    status: str = "completed"
    image_url: str
    created_at: datetime | None = None
    completed_at: datetime | None = None


class ImageFailedEvent(_Lenient):
    event: Literal["image.failed"]
    job_id: str
    status: str = "failed"
    error: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None


CallbackEvent: TypeAlias = Annotated[
    RunCompletedEvent | RunFailedEvent | RunSkippedEvent | ImageCompletedEvent | ImageFailedEvent,
    Field(discriminator="event"),
]
EVENT_TYPES = ("run.completed", "run.failed", "run.skipped", "image.completed", "image.failed")
_adapter: TypeAdapter[CallbackEvent] = TypeAdapter(CallbackEvent)


def parse_callback_event(body: bytes) -> CallbackEvent:
    """The typed event in ``body`` (raw bytes, parsed once).

    Raises :class:`CallbackPayloadError` for a body that is not JSON, names an
    unknown event type, or lacks a field its event needs.
    """
    try:
        return _adapter.validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise CallbackPayloadError("callback body is not valid JSON") from None
        if any(e["type"] == "union_tag_invalid" for e in errors):
            known = ", ".join(EVENT_TYPES)
            raise CallbackPayloadError(
                f"unknown callback event type; expected one of {known}"
            ) from None
        if any(e["type"] == "union_tag_not_found" for e in errors):
            raise CallbackPayloadError("callback body has no 'event' field") from None
        raise CallbackPayloadError("invalid callback payload", validation_details(exc)) from None
