"""Validation cost: our one-pass ``PublishPayload.model_validate_json`` against a
typed msgspec decode of the same 12 KB bytes, with the same limits.

    python -m bench.validation

msgspec is a bench-only dependency (``pip install msgspec``).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from bench.common import microseconds_per_call, payload_12k
from wonderblogs_target import PublishPayload

Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Text500 = Annotated[str, msgspec.Meta(max_length=500)]
Text5000 = Annotated[str, msgspec.Meta(max_length=5_000)]


class SeoStruct(msgspec.Struct, rename="camel"):
    meta_title: Text200
    meta_description: Text500
    slug: Text200


class SourceStruct(msgspec.Struct):
    url: Annotated[str, msgspec.Meta(max_length=2_000)]
    title: Text500


class PublishStruct(msgspec.Struct, rename="camel"):
    slug: Text200
    locale: Annotated[str, msgspec.Meta(max_length=10)]
    title: Text500
    description: Annotated[str, msgspec.Meta(max_length=2_000)]
    content: str
    tags: Annotated[list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(max_length=20)]
    seo: SeoStruct
    author: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    target_focus: Text5000 | None = None
    refined_angle: Text5000 | None = None
    cover_image_url: str | None = None
    sources: Annotated[list[SourceStruct], msgspec.Meta(max_length=20)] | None = None
    action: str | None = None
    external_id: Text500 | None = None


def main() -> None:
    body = payload_12k()
    decoder = msgspec.json.Decoder(PublishStruct)
    assert (
        decoder.decode(body).seo.meta_title
        == PublishPayload.model_validate_json(body).seo.meta_title
    )
    results = microseconds_per_call(
        {
            "ours": lambda: PublishPayload.model_validate_json(body),
            "msgspec": lambda: decoder.decode(body),
        },
        calls=2_000,
    )
    ours, peer = results["ours"], results["msgspec"]
    print("### Validation of a 12 KB publish payload\n")
    print("| contender | µs per payload | ratio |\n|---|---:|---:|")
    print(f"| pydantic model_validate_json (ours) | {ours:.1f} | {ours / peer:.2f}x |")
    print(f"| msgspec typed decode | {peer:.1f} | 1.00x |")


if __name__ == "__main__":
    main()
