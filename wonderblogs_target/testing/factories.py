"""Documents to send in tests: articles as Wonderblogs sends them, signed
callbacks, and an image small enough to download anywhere."""

from __future__ import annotations

import json
from typing import Any

from ..callbacks.signing import DEFAULT_SCHEME, SignatureScheme, sign_payload

__all__ = ["PNG_PIXEL", "ArticleFactory", "signed_callback"]

# A valid 1x1 PNG: enough for a client to prove it downloaded an image.
PNG_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63606060600000000500017aa857500000000049454e44ae426082"
)

# -- documents to send ----------------------------------------------------------------

_PARAGRAPH = (
    "Most teams overprovision their workloads by a wide margin. The fix is not a new "
    "tool but a habit: measure what services really use, then set requests to match, "
    "with headroom where the traffic is spiky. "
)


class ArticleFactory:
    """Valid publish payloads, as Wonderblogs sends them (wire names, plain dicts).

    ``factory(**overrides)`` gives an article of realistic size (about 12 KB of
    Markdown, six tags, three sources); ``factory(rewrite=True)`` the rewrite
    variant (``action: "update"`` and an ``externalId``);
    [`at_limits`][wonderblogs_target.testing.ArticleFactory.at_limits] one with every field at its
    documented maximum.
    Overrides replace top-level fields (``seo=...`` replaces the whole object).
    """

    def __call__(self, *, rewrite: bool = False, **overrides: Any) -> dict[str, Any]:
        slug = str(overrides.get("slug", "right-size-your-services"))
        sections = [
            f"## Step {n}: measure, then trim\n\n{_PARAGRAPH * 4}\n\n"
            "```bash\nkubectl top pods --all-namespaces --sort-by=cpu\n```\n"
            for n in range(1, 14)
        ]
        article: dict[str, Any] = {
            "slug": slug,
            "locale": "en",
            "title": "Right-size your services before buying more capacity",
            "description": "Measure first, then trim requests: " + _PARAGRAPH[:200],
            "content": "\n".join(sections),
            "author": "Acme Engineering",
            "tags": ["kubernetes", "finops", "cost", "cloud", "sre", "devops"],
            "seo": {
                "metaTitle": "Right-size your services: a practical guide",
                "metaDescription": "Measure real usage and right-size workloads.",
                "slug": slug,
            },
            "targetFocus": "Cutting cloud spend",
            "refinedAngle": "Measure before you buy",
            "coverImageUrl": "/api/v1/images/download/post/123",
            "sources": [
                {"url": f"https://example.com/source/{n}", "title": f"Source {n}"}
                for n in range(1, 4)
            ],
        }
        if rewrite:
            article.update(action="update", externalId=f"ext-{slug}")
        article.update(overrides)
        return article

    def at_limits(self, **overrides: Any) -> dict[str, Any]:
        """An article with every limited field at its documented maximum."""

        def chars(n: int, stem: str = "x") -> str:
            return (stem * n)[:n]

        slug = chars(200, "limits-")
        article: dict[str, Any] = {
            "slug": slug,
            "locale": "zh-Hant-TW",  # 10 characters, the limit
            "title": chars(500, "Title "),
            "description": chars(2_000, "Description "),
            "content": chars(100_000, _PARAGRAPH),
            "author": chars(255, "Author "),
            "tags": [chars(100, f"tag{n}-") for n in range(20)],
            "seo": {
                "metaTitle": chars(200, "Meta title "),
                "metaDescription": chars(500, "Meta description "),
                "slug": slug,
            },
            "targetFocus": chars(5_000, "Focus "),
            "refinedAngle": chars(5_000, "Angle "),
            "coverImageUrl": "https://images.example.com/" + chars(1_000, "cover/"),
            "sources": [
                {"url": "https://example.com/" + chars(1_980, f"{n}/"), "title": chars(500, "S ")}
                for n in range(20)
            ],
            "action": "update",
            "externalId": chars(500, "ext-"),
        }
        article.update(overrides)
        return article


_CALLBACK_FIELDS: dict[str, dict[str, Any]] = {
    "run.completed": {
        "run_id": "run_test_1",
        "post": {
            "title": "Right-size your services before buying more capacity",
            "slug": "right-size-your-services",
            "content": "## Measure\n\nThen trim.",
            "meta_title": "Right-size your services",
            "meta_description": "Measure real usage and right-size workloads.",
            "tags": ["kubernetes", "finops"],
            "image_url": "/api/v1/images/download/post/123",
        },
    },
    "run.failed": {"run_id": "run_test_1", "error": "Generation failed"},
    "run.skipped": {"run_id": "run_test_1", "error": "No content focus"},
    "image.completed": {"job_id": "img_test_1", "image_url": "/api/v1/images/download/job/1"},
    "image.failed": {"job_id": "img_test_1", "error": "Image generation failed"},
}


def signed_callback(
    event: str,
    *,
    secret: str,
    timestamp: int | None = None,
    scheme: SignatureScheme = DEFAULT_SCHEME,
    **fields: Any,
) -> tuple[dict[str, str], bytes]:
    """A callback as Wonderblogs would POST it: ``(headers, body)``, signed with
    ``secret``. ``fields`` replace the event's sample fields (``run_id=...``);
    pass an old ``timestamp`` to test the replay window."""
    if event not in _CALLBACK_FIELDS:
        raise ValueError(f"unknown event {event!r}; choose one of {', '.join(_CALLBACK_FIELDS)}")
    document = {"event": event, **json.loads(json.dumps(_CALLBACK_FIELDS[event])), **fields}
    body = json.dumps(document).encode()
    headers = {"Content-Type": "application/json"}
    headers.update(sign_payload(body, secret, timestamp=timestamp, scheme=scheme))
    return headers, body
