"""Typed completion callbacks of the Wonderblogs v1 API.

Wonderblogs POSTs one of five events to a ``callback_url`` when a run or an
image job ends. They form a union discriminated on ``event``; unknown extra
fields are kept (``model_extra``) so that a field the vendor adds later is not
a reason to refuse a delivery.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, TypeAlias

from pydantic import Field, TypeAdapter, ValidationError, model_validator
from typing_extensions import Self

from ..errors import CallbackPayloadError, validation_details
from ..models import InboundModel
from ..v1 import GeneratedPost

__all__ = [
    "CallbackEvent",
    "CallbackPayloadError",
    "ImageCompletedEvent",
    "ImageFailedEvent",
    "RunCompletedEvent",
    "RunFailedEvent",
    "RunSkippedEvent",
    "parse_callback_event",
]


class _Event(InboundModel):
    event: str
    status: str = Field(
        default="", description="The outcome; when the sender leaves it out, the event's own."
    )

    @model_validator(mode="after")
    def _status_from_event(self) -> Self:
        # "run.failed" -> "failed": one rule instead of a default per event class.
        if not self.status:
            self.status = self.event.rpartition(".")[2]
        return self


class _RunEvent(_Event):
    run_id: str


class _RunEnded(_RunEvent):
    error: str | None = Field(default=None, description="Why the run produced no post.")


class _ImageEvent(_Event):
    job_id: str
    created_at: datetime | None = None
    completed_at: datetime | None = None


class RunCompletedEvent(_RunEvent):
    """A run finished; its post is in ``post``."""

    event: Literal["run.completed"]
    post: GeneratedPost


class RunFailedEvent(_RunEnded):
    """A run failed; ``error`` says why."""

    event: Literal["run.failed"]


class RunSkippedEvent(_RunEnded):
    """A run was skipped: there was nothing to write about (for example, the
    context's ``content_focus`` was empty and the run had no topic of its own)."""

    event: Literal["run.skipped"]


class ImageCompletedEvent(_ImageEvent):
    """An image job finished; ``image_url`` is where to download the image."""

    event: Literal["image.completed"]
    image_url: str


class ImageFailedEvent(_ImageEvent):
    """An image job failed; ``error`` says why."""

    event: Literal["image.failed"]
    error: str | None = None


CallbackEvent: TypeAlias = Annotated[
    RunCompletedEvent | RunFailedEvent | RunSkippedEvent | ImageCompletedEvent | ImageFailedEvent,
    Field(discriminator="event"),
]
EVENT_TYPES = ("run.completed", "run.failed", "run.skipped", "image.completed", "image.failed")
_adapter: TypeAdapter[CallbackEvent] = TypeAdapter(CallbackEvent)


def parse_callback_event(body: bytes) -> CallbackEvent:
    """The typed event in ``body`` (raw bytes, parsed once).

    Raises [`CallbackPayloadError`][wonderblogs_target.errors.CallbackPayloadError] for a body that
    is not JSON, names an
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
