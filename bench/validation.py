"""Validation cost: our one-pass ``PublishPayload.model_validate_json`` against a
typed msgspec decode of the same 12 KB bytes, with the same limits.

    python -m bench.validation

Two more rows show where pydantic's time goes: the same rules compiled into
plain typed dicts (pydantic-core with no model instances to build), and
pydantic-core parsing the JSON with no validation at all. msgspec is a
bench-only dependency (``pip install msgspec``).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from pydantic_core import SchemaValidator, from_json

from bench.common import microseconds_per_call, payload_12k
from wonderblogs_target import PublishPayload
from wonderblogs_target.models import _as_typed_dicts

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
    as_dicts = SchemaValidator(
        _as_typed_dicts(PublishPayload.__pydantic_core_schema__),
        {"validate_by_alias": True, "validate_by_name": True},
    )
    model = PublishPayload.model_validate_json(body)
    assert decoder.decode(body).seo.meta_title == model.seo.meta_title
    assert as_dicts.validate_json(body)["seo"]["meta_title"] == model.seo.meta_title
    results = microseconds_per_call(
        {
            "pydantic model_validate_json (ours)": lambda: PublishPayload.model_validate_json(body),
            "pydantic-core, same rules, plain dicts": lambda: as_dicts.validate_json(body),
            "pydantic-core JSON parse, no validation": lambda: from_json(body),
            "msgspec typed decode": lambda: decoder.decode(body),
        },
        calls=2_000,
    )
    peer = results["msgspec typed decode"]
    print("### Validation of a 12 KB publish payload\n")
    print("| contender | µs per payload | vs msgspec |\n|---|---:|---:|")
    for name, micros in results.items():
        print(f"| {name} | {micros:.1f} | {micros / peer:.2f}x |")


if __name__ == "__main__":
    main()
