"""Every exception the package raises to a user, and the one place that turns a
pydantic ``ValidationError`` into the error details we put on the wire.

All of them derive from [`WonderblogsError`][wonderblogs_target.errors.WonderblogsError], so
``except WonderblogsError``
catches anything this package raises on purpose::

    WonderblogsError
    ├── ConfigurationError            set up in a way that cannot work (also a ValueError)
    ├── PublishRejected               an article refused with a 4xx (raised by you or a store)
    ├── SignatureVerificationError    a callback that is not authentic and fresh
    │   ├── MissingHeaderError
    │   ├── MalformedHeaderError
    │   ├── SignatureMismatchError
    │   ├── TimestampTooOldError
    │   └── TimestampTooNewError
    ├── CallbackPayloadError          an authentic callback that is not a known event
    ├── ImageDownloadError            a cover image not kept: too large, not an image, too slow
    └── WonderblogsAPIError           the v1 API answered with an error (client)
        ├── BadRequestError           400
        ├── AuthenticationError       401
        ├── NotFoundError             404
        ├── RateLimitError            429, with ``retry_after``
        ├── ServerError               5xx
        ├── APIConnectionError        no answer at all
        ├── WaitTimeoutError          polling gave up (also a TimeoutError)
        ├── RunFailedError            the run ended ``failed``
        │   └── RunSkippedError       ... or ``skipped``
        └── ImageJobFailedError       the image job ended ``failed``

A store whose database or disk fails lets that error through unchanged (an
``OSError``, ``sqlite3.Error``, ``psycopg.Error``): the target answers 5xx and
Wonderblogs keeps the article. Exceptions used only inside the package to stop
a request (a client that went away, a callback past its time limit) never reach
user code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from typing_extensions import Required, TypedDict

if TYPE_CHECKING:
    # Annotations only: importing pydantic's fields machinery costs a process
    # that never answers an error some tens of milliseconds at start-up. The
    # OpenAPI generator, which reads these TypedDicts' descriptions, provides
    # ``Field`` when it builds their schema (`error_body_schema`).
    from pydantic import Field, ValidationError

if TYPE_CHECKING:
    from .v1 import ImageJob, RunStatus

__all__ = [
    "APIConnectionError",
    "AuthenticationError",
    "BadRequestError",
    "CallbackPayloadError",
    "ConfigurationError",
    "ErrorBody",
    "ErrorDetail",
    "ImageDownloadError",
    "ImageJobFailedError",
    "MalformedHeaderError",
    "MissingHeaderError",
    "NotFoundError",
    "PublishRejected",
    "RateLimitError",
    "RunFailedError",
    "RunSkippedError",
    "ServerError",
    "SignatureMismatchError",
    "SignatureVerificationError",
    "TimestampTooNewError",
    "TimestampTooOldError",
    "WaitTimeoutError",
    "WonderblogsAPIError",
    "WonderblogsError",
    "describe_violations",
    "format_location",
    "validation_details",
]


class WonderblogsError(Exception):
    """The base of every exception this package raises on purpose."""


class ConfigurationError(WonderblogsError, ValueError):
    """The handler was set up in a way that cannot work (for example, no API key)."""


class PublishRejected(WonderblogsError):
    """Raise from ``on_publish`` to refuse an article with a 4xx status of your choice.

    Wonderblogs keeps a refused article as "ready to push", so a refusal loses
    nothing: fix the cause (a duplicate slug, say) and re-push from the dashboard.
    Stores raise it too, for a rewrite that would take another post's slug (409).
    """

    def __init__(self, message: str, *, status_code: int = 409) -> None:
        if not 400 <= status_code <= 499:
            raise ValueError(f"status_code must be a 4xx status, got {status_code}")
        super().__init__(message)
        self.message = message
        self.status_code = status_code


# -- signed callbacks -------------------------------------------------------------------


class SignatureVerificationError(WonderblogsError):
    """The request is not an authentic, fresh Wonderblogs callback.

    Messages say which check failed, never the secret or the expected digest.
    """


class MissingHeaderError(SignatureVerificationError):
    """A signature or timestamp header is absent or empty."""


class MalformedHeaderError(SignatureVerificationError):
    """A header is present but is not in the expected form."""


class SignatureMismatchError(SignatureVerificationError):
    """No presented signature matches the body under any of the secrets."""


class TimestampTooOldError(SignatureVerificationError):
    """The signature is authentic but older than the tolerance: a possible replay."""


class TimestampTooNewError(SignatureVerificationError):
    """The timestamp lies further in the future than the tolerance allows."""


class CallbackPayloadError(WonderblogsError, ValueError):
    """An authentic delivery whose body is not a callback event we know."""

    def __init__(self, message: str, details: list[ErrorDetail] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


# -- the v1 API client ------------------------------------------------------------------


class ImageDownloadError(WonderblogsError):
    """A cover image that could not be kept; the message says why. The article
    itself is kept, with the image's original URL."""


class WonderblogsAPIError(WonderblogsError):
    """An answer other than success, in the API's ``{"error": ..., "details": [...]}`` shape."""

    def __init__(
        self, message: str, *, status: int | None = None, details: list[Any] | None = None
    ) -> None:
        super().__init__(f"{status}: {message}" if status else message)
        self.message = message
        self.status = status
        self.details = details or []


class BadRequestError(WonderblogsAPIError):
    """400: invalid JSON, a validation error, or a callback URL that is not HTTPS."""


class AuthenticationError(WonderblogsAPIError):
    """401: the API key is missing, invalid, revoked or expired."""


class NotFoundError(WonderblogsAPIError):
    """404: no such run or job for this key's site."""


class RateLimitError(WonderblogsAPIError):
    """429: the per-minute limit or the monthly quota. ``retry_after`` is the wait
    the server asked for, in seconds, when it said."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        details: list[Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, details=details)
        self.retry_after = retry_after


class ServerError(WonderblogsAPIError):
    """5xx: the service failed."""


class APIConnectionError(WonderblogsAPIError):
    """No answer: the connection failed or timed out."""


class WaitTimeoutError(WonderblogsAPIError, TimeoutError):
    """Polling gave up; ``last_status`` is the last state seen (None if none)."""

    def __init__(self, message: str, last_status: RunStatus | ImageJob | None) -> None:
        super().__init__(message)
        self.last_status = last_status


class RunFailedError(WonderblogsAPIError):
    """The run ended as ``failed``; ``run`` holds it, ``message`` the server's reason."""

    def __init__(self, run: RunStatus) -> None:
        super().__init__(run.error or f"run {run.run_id} {run.status}")
        self.run = run


class RunSkippedError(RunFailedError):
    """The run ended as ``skipped`` (for example: no content focus)."""


class ImageJobFailedError(WonderblogsAPIError):
    """The image job ended as ``failed``; ``job`` holds it."""

    def __init__(self, job: ImageJob) -> None:
        super().__init__(job.error or f"image job {job.job_id} failed")
        self.job = job


# -- error details on the wire ----------------------------------------------------------


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


def error_body_schema(ref_template: str) -> dict[str, Any]:
    """The JSON schema of `ErrorBody`, with the fields' descriptions (what the
    OpenAPI document shows). The annotations name pydantic's ``Field``, which
    this module imports for type checking only; it is bound here, the one
    place the annotations are evaluated."""
    from pydantic import Field, TypeAdapter

    globals()["Field"] = Field
    schema: dict[str, Any] = TypeAdapter(ErrorBody).json_schema(ref_template=ref_template)
    return schema


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


# -- explaining violations to a person (check, system checks) -------------------------


def _at(document: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        try:
            document = document[part]
        except (KeyError, IndexError, TypeError):
            return None
    return document


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# Context fields that must be present; for them the vendor advises "" over null.
_REQUIRED_TEXT = {"brand_identity", "tone_of_voice", "instructions", "title"}


def describe_violations(document: Any, error: ValidationError) -> list[str]:
    """One readable line per violation: ``recent_articles[3].summary: 2,417 chars, max 2,000``."""
    lines: list[str] = []
    for item in error.errors(include_url=False, include_input=False):
        loc = tuple(p for p in item["loc"] if p not in ("int", "float", "str"))
        where = format_location(loc)
        value = _at(document, loc)
        ctx = item.get("ctx") or {}
        kind = item["type"]
        if kind == "string_too_long":
            text = f"{len(value):,} chars, max {ctx['max_length']:,}"
        elif kind == "string_too_short":
            text = f"{len(value):,} chars, min {ctx['min_length']:,}"
        elif kind == "too_long":
            text = f"{ctx['actual_length']:,} items, max {ctx['max_length']:,}"
        elif kind in ("less_than_equal", "greater_than_equal"):
            bound = "max" if kind == "less_than_equal" else "min"
            text = f"{value}, {bound} {ctx.get('le', ctx.get('ge'))}"
        elif kind == "extra_forbidden":
            text = "unknown key; no additional properties are allowed"
        elif kind == "missing":
            text = "required field is missing"
        elif kind.endswith("_type") and value is None:
            text = (
                'null is not allowed; use "" for no value'
                if loc[-1] in _REQUIRED_TEXT
                else "null is not allowed; leave the key out instead"
            )
        elif kind.endswith("_type"):
            text = f"{_json_type(value)} is not allowed here ({item['msg'].lower()})"
        else:
            text = item["msg"]
        line = f"{where}: {text}"
        if line not in lines:  # a union reports one failure per branch
            lines.append(line)
    return lines
