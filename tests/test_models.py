"""Every limit in the vendor's field reference, at the limit and one past it,
plus the extra-key and null policies of each direction."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from tests import samples
from tests.limits import CONTEXT_LIMITS, PUBLISH_LIMITS, Path, get_path, set_path
from wonderblogs_target import (
    ContextResponse,
    ImageOutput,
    PublishPayload,
    RecentArticle,
    Seo,
    Source,
    VisualIdentity,
)
from wonderblogs_target.errors import format_location


def full_context() -> dict[str, Any]:
    doc = samples.context()
    doc["visual_identity"]["image_output"].update(
        quality="high", max_file_size_bytes=1_000, background="opaque"
    )
    return doc


def value_for(doc: dict[str, Any], path: Path, kind: str, size: int) -> Any:
    if kind == "chars":
        return "é" * size  # characters, not bytes
    if kind == "items":
        current = get_path(doc, path)
        return [copy.deepcopy(current[0]) for _ in range(size)]
    return size


def check(model: type[BaseModel], doc: dict[str, Any], path: Path, kind: str, limit: int) -> None:
    at, past = (limit, limit + 1) if kind != "min" else (limit, limit - 1)
    set_path(doc, path, value_for(doc, path, kind, at))
    model.model_validate(doc)
    model.model_validate_json(json.dumps(doc))
    set_path(doc, path, value_for(doc, path, kind, past))
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(json.dumps(doc))
    [error] = caught.value.errors()
    assert format_location(error["loc"]) == format_location(path)
    assert limit in error["ctx"].values()


@pytest.mark.parametrize(("path", "kind", "limit"), CONTEXT_LIMITS, ids=str)
def test_context_limits(path, kind, limit):
    check(ContextResponse, full_context(), path, kind, limit)


@pytest.mark.parametrize(("path", "kind", "limit"), PUBLISH_LIMITS, ids=str)
def test_publish_limits(path, kind, limit):
    check(PublishPayload, samples.payload(externalId="e-1"), path, kind, limit)


def test_empty_strings_are_valid_context():
    doc = {key: "" for key in ("brand_identity", "tone_of_voice", "instructions", "content_focus")}
    doc["recent_articles"] = []
    assert ContextResponse.model_validate(doc).content_focus == ""


@pytest.mark.parametrize(
    "field",
    ["brand_identity", "tone_of_voice", "instructions", "content_focus", "recent_articles"],
)
def test_every_top_level_context_field_is_required(field):
    doc = samples.context()
    del doc[field]
    with pytest.raises(ValidationError) as caught:
        ContextResponse.model_validate(doc)
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [((field,), "missing")]


def test_content_focus_may_be_null_and_stays_null_on_the_wire():
    ctx = ContextResponse.model_validate({**samples.context(), "content_focus": None})
    assert json.loads(ctx.to_json())["content_focus"] is None


@pytest.mark.parametrize(
    "path",
    [(), ("recent_articles", 0), ("visual_identity",), ("visual_identity", "image_output")],
    ids=str,
)
def test_unknown_context_keys_are_refused_by_name(path):
    doc = samples.context()
    get_path(doc, path)["surprise"] = 1
    with pytest.raises(ValidationError) as caught:
        ContextResponse.model_validate(doc)
    [error] = caught.value.errors()
    assert error["type"] == "extra_forbidden"
    assert error["loc"] == (*path, "surprise")


@pytest.mark.parametrize(
    "path",
    [
        ("recent_articles", 0, "summary"),
        ("visual_identity",),
        ("visual_identity", "visual_style"),
        ("visual_identity", "color_palette"),
        ("visual_identity", "image_output"),
        ("visual_identity", "image_output", "compression"),
    ],
    ids=str,
)
def test_context_optionals_may_be_left_out_but_not_null(path):
    doc = samples.context()
    set_path(doc, path, None)
    with pytest.raises(ValidationError) as caught:
        ContextResponse.model_validate(doc)
    for error in caught.value.errors():
        assert error["loc"][: len(path)] == path
        assert error["type"].endswith("_type")
        assert error["input"] is None
    get_path(doc, path[:-1]).pop(path[-1])
    ContextResponse.model_validate(doc)


@pytest.mark.parametrize("value", [True, "50", 100.5, -0.5])
def test_compression_must_be_a_number_in_range(value):
    with pytest.raises(ValidationError):
        ImageOutput.model_validate({"compression": value})


def test_compression_keeps_integers_and_fractions():
    assert ImageOutput.model_validate({"compression": 80}).model_dump_json(exclude_unset=True) == (
        '{"compression":80}'
    )
    assert ImageOutput(compression=62.5).compression == 62.5


def test_context_models_revalidate_on_assignment():
    ctx = ContextResponse.model_validate(samples.context())
    with pytest.raises(ValidationError):
        ctx.brand_identity = "b" * 5_001
    with pytest.raises(ValidationError):
        ctx.recent_articles[0].title = "t" * 501


def test_context_built_in_python_serialises_to_wire_json():
    ctx = ContextResponse(
        brand_identity="b",
        tone_of_voice="t",
        instructions="i",
        content_focus="f",
        recent_articles=[RecentArticle(title="a")],
        visual_identity=VisualIdentity(image_output=ImageOutput(quality="high")),
    )
    assert json.loads(ctx.to_json()) == {
        "brand_identity": "b",
        "tone_of_voice": "t",
        "instructions": "i",
        "content_focus": "f",
        "recent_articles": [{"title": "a"}],
        "visual_identity": {"image_output": {"quality": "high"}},
    }


# -- publish payload --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ("slug",),
        ("locale",),
        ("title",),
        ("description",),
        ("content",),
        ("tags",),
        ("seo",),
        ("seo", "metaTitle"),
        ("seo", "metaDescription"),
        ("seo", "slug"),
        ("sources", 0, "url"),
        ("sources", 0, "title"),
    ],
    ids=str,
)
def test_required_publish_fields(path):
    doc = samples.payload()
    get_path(doc, path[:-1]).pop(path[-1])
    with pytest.raises(ValidationError) as caught:
        PublishPayload.model_validate(doc)
    [error] = caught.value.errors()
    assert (error["loc"], error["type"]) == (path, "missing")


def test_wire_names_in_snake_case_attributes_out():
    payload = PublishPayload.model_validate_json(samples.body(samples.REWRITE))
    assert payload.seo.meta_title == samples.PAYLOAD["seo"]["metaTitle"]
    assert payload.seo.meta_description == samples.PAYLOAD["seo"]["metaDescription"]
    assert payload.cover_image_url == samples.PAYLOAD["coverImageUrl"]
    assert payload.target_focus == samples.PAYLOAD["targetFocus"]
    assert payload.refined_angle == samples.PAYLOAD["refinedAngle"]
    assert payload.external_id == "post-456"
    assert payload.is_update
    assert payload.model_dump(exclude_none=True) == samples.REWRITE
    assert json.loads(payload.model_dump_json(exclude_none=True)) == samples.REWRITE


def test_python_names_are_accepted_too():
    seo = Seo(meta_title="m", meta_description="d", slug="s")
    assert seo.model_dump() == {"metaTitle": "m", "metaDescription": "d", "slug": "s"}


@pytest.mark.parametrize("action", ["update", "create", "republish", ""])
def test_any_action_string_is_accepted(action):
    payload = PublishPayload.model_validate({**samples.PAYLOAD, "action": action})
    assert payload.action == action
    assert payload.is_update is (action == "update")


def test_unknown_publish_keys_are_kept_everywhere():
    doc = samples.payload(wordCount=900)
    doc["seo"]["canonical"] = "https://example.com/x"
    doc["sources"][0]["publishedAt"] = "2026-01-01"
    payload = PublishPayload.model_validate(doc)
    assert payload.model_extra == {"wordCount": 900}
    assert payload.seo.model_extra == {"canonical": "https://example.com/x"}
    assert payload.sources is not None
    assert payload.sources[0].model_extra == {"publishedAt": "2026-01-01"}
    assert payload.model_dump(exclude_none=True) == doc


@pytest.mark.parametrize(
    "field", ["author", "targetFocus", "refinedAngle", "coverImageUrl", "sources", "externalId"]
)
def test_null_optional_publish_fields_read_as_absent(field):
    payload = PublishPayload.model_validate({**samples.PAYLOAD, field: None})
    assert field not in payload.model_dump(exclude_none=True)


def test_source_model_round_trips():
    assert Source(url="u", title="t").model_dump() == {"url": "u", "title": "t"}
