"""``wonderblogs.toml``: the brand context and server settings for ``serve``.

    [context]
    brand_identity = "Acme builds deployment tooling for small platform teams."
    tone_of_voice = "Plain, precise, no hype."
    instructions = "One runnable example per article."
    content_focus = "Cutting cloud spend"

    [context.visual_identity]
    color_palette = ["#0B5FFF", "charcoal"]

    [inbox]
    api_key = "a separate key for people reading the inbox"  # default: the target key

    [serve]
    host = "127.0.0.1"
    port = 8000
    store = "sqlite:///wonderblogs.db"

    [deferred]        # jobs a store leaves for after the answer (defer=...)
    attempts = 6      # then the job is marked failed, with its error
    first_pause = 30  # seconds before the second attempt, tripled each time
    lease = 300       # seconds a job is held before another worker may take it

The context is checked at start-up by the same model that checks every answer,
and an error names the file, the line and the rule.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConfigurationError, format_location
from ..models import ContextResponse
from ..stores._jobs import Backoff

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["DEMO_CONTEXT", "ServeConfig", "load_config"]

DEMO_CONTEXT: dict[str, Any] = {
    "brand_identity": (
        "DEMO CONTEXT - replace it: start with --config wonderblogs.toml. "
        "A demo site that receives Wonderblogs articles to try the integration."
    ),
    "tone_of_voice": "DEMO: friendly, clear and concrete.",
    "instructions": "DEMO: this is sample context from wonderblogs-target serve.",
    "content_focus": "DEMO: trying out Wonderblogs with a local target",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InboxSection(_Section):
    api_key: str | None = Field(default=None, min_length=1)
    title: str = "Wonderblogs inbox"


class ServeSection(_Section):
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65_535)
    store: str | None = None
    max_body_size: int | None = Field(default=None, ge=1)


class DeferredSection(_Section):
    """``[deferred]``: how the worker retries the store's deferred jobs (see
    `Backoff`, whose defaults these are)."""

    attempts: int = Field(default=6, ge=1, le=100)
    first_pause: float = Field(default=30.0, ge=0)
    max_pause: float = Field(default=3600.0, ge=0)
    lease: float = Field(default=300.0, gt=0)

    def backoff(self) -> Backoff:
        return Backoff(
            attempts=self.attempts, first=self.first_pause, cap=self.max_pause, lease=self.lease
        )


class _File(_Section):
    context: dict[str, Any] | None = None
    inbox: InboxSection = InboxSection()
    serve: ServeSection = ServeSection()
    deferred: DeferredSection = DeferredSection()


@dataclass
class ServeConfig:
    """What ``serve`` runs with: the fixed part of the context, and settings."""

    context: dict[str, Any] = field(default_factory=lambda: dict(DEMO_CONTEXT))
    demo: bool = True
    inbox: InboxSection = field(default_factory=InboxSection)
    serve: ServeSection = field(default_factory=ServeSection)
    deferred: DeferredSection = field(default_factory=DeferredSection)
    source: str | None = None


def _line_of(text: str, path: tuple[int | str, ...]) -> int | None:
    """The line that sets ``path`` (or its nearest parent) in TOML ``text``."""
    wanted = [str(p) for p in path if isinstance(p, str)]
    best: tuple[int, int] | None = None  # (depth, line)
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\s*([^\[\]]+?)\s*\]", stripped)
        if header:
            table = [part.strip().strip("\"'") for part in header.group(1).split(".")]
            here = table
        else:
            key = re.match(r"([A-Za-z0-9_\-\"'. ]+?)\s*=", stripped)
            if not key:
                continue
            here = table + [part.strip().strip("\"'") for part in key.group(1).split(".")]
        depth = 0
        while depth < min(len(here), len(wanted)) and here[depth] == wanted[depth]:
            depth += 1
        if depth == len(here) and depth > 0 and (best is None or depth > best[0]):
            best = (depth, number)
    return best[1] if best else None


#: Where the documentation shows a whole wonderblogs.toml to start from.
TEMPLATE = "https://wonderblogs-target.github.io/wonderblogs-target/static-sites/"


def _problems(text: str, name: str, prefix: tuple[str, ...], error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_url=False, include_input=False):
        loc = (*prefix, *item["loc"])
        line = _line_of(text, loc)
        where = f"{name}:{line}" if line else name
        message = item["msg"]
        if item["type"] == "extra_forbidden" and len(loc) == 1 and loc[0] in _CONTEXT_KEYS:
            # A brand context key at the top: the one mistake everyone makes once.
            message = f"a brand context key belongs under [context], not at the top ({message})"
        lines.append(f"{where}: {format_location(loc)}: {message}")
    return "\n".join(lines)


_CONTEXT_KEYS = frozenset(ContextResponse.model_fields) | frozenset(
    field.alias for field in ContextResponse.model_fields.values() if field.alias
)


def load_config(path: str | Path | None) -> ServeConfig:
    """Read and check ``path``; None gives the clearly marked demo context."""
    if path is None:
        return ServeConfig()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"{file}: cannot read: {exc.strerror} (a whole wonderblogs.toml to start from "
            f"is on {TEMPLATE})"
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{file}: not valid TOML: {exc}") from None
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as exc:
        raise ConfigurationError(_problems(text, str(file), (), exc)) from None
    if parsed.context is None:
        raise ConfigurationError(f"{file}: a [context] table with the brand context is required")
    if "recent_articles" in parsed.context:
        line = _line_of(text, ("context", "recent_articles"))
        raise ConfigurationError(
            f"{file}:{line}: context.recent_articles: comes from the store; remove it"
        )
    try:
        ContextResponse.model_validate({**parsed.context, "recent_articles": []})
    except ValidationError as exc:
        raise ConfigurationError(_problems(text, str(file), ("context",), exc)) from None
    return ServeConfig(
        context=parsed.context,
        demo=False,
        inbox=parsed.inbox,
        serve=parsed.serve,
        deferred=parsed.deferred,
        source=str(file),
    )
