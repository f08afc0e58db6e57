"""Values and small helpers shared by test modules (which never import each other)."""

from __future__ import annotations

import json
from typing import Any

from tests import samples
from wonderblogs_target import WonderblogsTarget

KEY = "wb-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


class Recorder:
    """Callbacks for the target that record what they were given."""

    def __init__(self) -> None:
        self.published: list[Any] = []
        self.context: dict[str, Any] = samples.context()

    def get_context(self) -> dict[str, Any]:
        return self.context

    def on_publish(self, payload: Any) -> None:
        self.published.append(payload)

    async def get_context_async(self) -> dict[str, Any]:
        return self.context

    async def on_publish_async(self, payload: Any) -> None:
        self.published.append(payload)


def json_of(body: bytes) -> Any:
    return json.loads(body)


#: A target whose context is valid and minimal: any 5xx from it is the core's fault.
GOOD_CONTEXT = WonderblogsTarget(
    api_key=KEY,
    get_context=lambda: {
        "brand_identity": "",
        "tone_of_voice": "",
        "instructions": "",
        "content_focus": None,
        "recent_articles": [],
    },
    on_publish=lambda p: None,
)


def readme_block(marker: str) -> str:
    """The Python block after ``marker`` in the README: examples run as written."""
    import re

    from harness.servers import ROOT

    text = (ROOT / "README.md").read_text()
    match = re.search(re.escape(marker) + r"\s*```python\n(.*?)```", text, re.S)
    assert match, f"no python block after {marker} in README.md"
    return match.group(1)
