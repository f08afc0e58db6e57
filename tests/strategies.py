"""Hypothesis strategies for documents that satisfy the contract, limit by limit."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.helpers import KEY
from wonderblogs_target import Request


def text(max_size: int) -> st.SearchStrategy[str]:
    # Mostly short, sometimes right at the limit: that is where bugs live.
    return st.one_of(
        st.text(max_size=min(max_size, 40)),
        st.integers(0, max_size).map(lambda n: "w" * n),
        st.just("é" * max_size),
    )


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value or the marker for "leave the key out"."""
    return st.one_of(st.just(None), strategy)


def fixed_dict(required: dict[str, Any], optional_: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(required, optional=optional_)


def lists(element: st.SearchStrategy[Any], max_size: int) -> st.SearchStrategy[list[Any]]:
    return st.one_of(
        st.lists(element, max_size=min(max_size, 4)),
        st.lists(element, min_size=max_size, max_size=max_size),
    )


image_outputs = fixed_dict(
    {},
    {
        "aspect_ratio": text(10),
        "quality": text(10),
        "output_format": text(10),
        "compression": st.one_of(st.integers(0, 100), st.floats(0, 100, allow_nan=False)),
        "max_file_size_bytes": st.integers(0, 10_485_760),
        "background": text(20),
    },
)

visual_identities = fixed_dict(
    {},
    {
        "color_palette": lists(text(20), 10),
        "visual_style": text(100),
        "image_mood": lists(text(20), 10),
        "banned_visual_elements": lists(text(20), 20),
        "reference_description": text(2_000),
        "image_output": image_outputs,
    },
)

recent_articles = fixed_dict({"title": text(500)}, {"summary": text(2_000)})

contexts = fixed_dict(
    {
        "brand_identity": text(5_000),
        "tone_of_voice": text(5_000),
        "instructions": text(10_000),
        "content_focus": st.one_of(st.none(), text(5_000)),
        "recent_articles": lists(recent_articles, 50),
    },
    {"visual_identity": visual_identities},
)

sources = fixed_dict({"url": text(2_000), "title": text(500)}, {})

payloads = fixed_dict(
    {
        "slug": text(200),
        "locale": text(10),
        "title": text(500),
        "description": text(2_000),
        "content": st.text(max_size=500),
        "tags": lists(text(100), 20),
        "seo": fixed_dict(
            {"metaTitle": text(200), "metaDescription": text(500), "slug": text(200)}, {}
        ),
    },
    {
        "author": st.one_of(st.none(), text(255)),
        "targetFocus": text(5_000),
        "refinedAngle": text(5_000),
        "coverImageUrl": st.text(max_size=100),
        "sources": lists(sources, 20),
        "action": st.sampled_from(["update", "create", ""]),
        "externalId": text(500),
    },
)

# Any JSON value, for inputs of every shape.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


# -- whole requests and hostile header text ------------------------------------------

header_values = st.one_of(
    st.just(f"Bearer {KEY}"),
    st.text(),
    st.binary().map(lambda b: b.decode("latin-1")),
    st.builds(lambda s: f"Bearer {s}", st.text()),
)
bodies = st.one_of(
    st.binary(max_size=2_000),
    json_values.map(lambda v: json.dumps(v).encode()),
    payloads.map(lambda v: json.dumps(v).encode()),
    st.lists(st.binary(max_size=100), max_size=5),
)
requests = st.builds(
    lambda method, auth, length, body: Request(
        method,
        {k: v for k, v in {"authorization": auth, "content-length": length}.items() if v},
        iter(body) if isinstance(body, list) else body,
    ),
    st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "get", "BREW", ""]),
    header_values,
    st.one_of(st.none(), st.text(max_size=12), st.integers(0, 10**12).map(str)),
    bodies,
)


header_text = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.just("sha256=" + "a" * 64),
)
