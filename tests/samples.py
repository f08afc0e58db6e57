"""Documents shaped like the vendor's examples, shared by the tests."""

from __future__ import annotations

import copy
import json
from typing import Any

CONTEXT: dict[str, Any] = {
    "brand_identity": "Acme builds deployment tooling for small platform teams.",
    "tone_of_voice": "Plain, precise, a little dry. No hype.",
    "instructions": "Show one runnable example per article. Audience: senior engineers.",
    "content_focus": "Cutting cloud spend without slowing teams down",
    "recent_articles": [
        {"title": "Moving our CI to Arm", "summary": "What got cheaper and what broke."},
        {"title": "A FinOps maturity model"},
    ],
    "visual_identity": {
        "color_palette": ["#0B5FFF", "charcoal"],
        "visual_style": "flat-illustration",
        "image_mood": ["Calm", "Confident"],
        "banned_visual_elements": ["stock photos"],
        "reference_description": "Geometric shapes, lots of white space.",
        "image_output": {"aspect_ratio": "16:9", "output_format": "webp", "compression": 80},
    },
}

PAYLOAD: dict[str, Any] = {
    "slug": "right-size-your-pods",
    "locale": "en",
    "title": "Right-size your pods before buying more nodes",
    "description": "Measure first, then trim requests: a method that holds up in production.",
    "content": "## Measure\n\n```bash\nkubectl top pods -A\n```\n\nThen compare with requests.",
    "author": "Acme Engineering",
    "tags": ["kubernetes", "finops"],
    "seo": {
        "metaTitle": "Right-size Kubernetes pods",
        "metaDescription": "A measured way to cut Kubernetes requests.",
        "slug": "right-size-your-pods",
    },
    "targetFocus": "Cutting cloud spend",
    "refinedAngle": "Measure before you buy",
    "coverImageUrl": "/api/v1/images/download/post/123",
    "sources": [{"url": "https://kubernetes.io/docs/", "title": "Kubernetes docs"}],
}

REWRITE: dict[str, Any] = {**PAYLOAD, "action": "update", "externalId": "post-456"}


def context() -> dict[str, Any]:
    return copy.deepcopy(CONTEXT)


def payload(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(PAYLOAD)
    data.update(changes)
    return data


def body(data: Any) -> bytes:
    return json.dumps(data).encode()


def brand() -> dict[str, Any]:
    """The context without ``recent_articles``: what a site with a store writes."""
    data = context()
    del data["recent_articles"]
    return data
