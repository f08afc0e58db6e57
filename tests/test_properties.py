"""Generated tests: valid documents always pass, each broken rule always fails,
and no request of any shape makes the core answer 5xx."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import strategies
from tests.helpers import GOOD_CONTEXT
from tests.limits import CONTEXT_LIMITS, PUBLISH_LIMITS, get_path, set_path
from tests.strategies import requests
from wonderblogs_target import ContextResponse, PublishPayload

SETTINGS = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)

CONTEXT_KEYS = {
    (): set(ContextResponse.model_fields),
    ("recent_articles", 0): {"title", "summary"},
    ("visual_identity",): {
        "color_palette",
        "visual_style",
        "image_mood",
        "banned_visual_elements",
        "reference_description",
        "image_output",
    },
    ("visual_identity", "image_output"): {
        "aspect_ratio",
        "quality",
        "output_format",
        "compression",
        "max_file_size_bytes",
        "background",
    },
}


@SETTINGS
@given(strategies.contexts)
def test_valid_contexts_are_accepted_and_round_trip(doc):
    ctx = ContextResponse.model_validate(doc)
    assert json.loads(ctx.to_json()) == json.loads(json.dumps(doc))


@SETTINGS
@given(strategies.payloads)
def test_valid_payloads_are_accepted_and_round_trip(doc):
    payload = PublishPayload.model_validate_json(json.dumps(doc))
    expected = {k: v for k, v in doc.items() if v is not None}
    assert payload.model_dump(exclude_none=True) == expected


def _exceed(doc: dict[str, Any], path: tuple[Any, ...], kind: str, limit: int) -> bool:
    """Break one limit in ``doc``; False when the path is absent from this draw."""
    try:
        parent = get_path(doc, path[:-1])
        current = parent[path[-1]]
    except (KeyError, IndexError, TypeError):
        return False
    if kind == "chars":
        set_path(doc, path, "x" * (limit + 1))
    elif kind == "items":
        if not current:
            return False
        set_path(doc, path, [copy.deepcopy(current[0])] * (limit + 1))
    else:
        set_path(doc, path, limit + 1 if kind == "max" else limit - 1)
    return True


def _rejected(model: Any, doc: dict[str, Any]) -> bool:
    try:
        model.model_validate_json(json.dumps(doc))
    except ValueError:
        return True
    return False


@SETTINGS
@given(strategies.contexts, st.sampled_from(CONTEXT_LIMITS))
def test_any_context_limit_exceeded_by_one_is_rejected(doc, limit):
    if _exceed(doc, *limit):
        assert _rejected(ContextResponse, doc)


@SETTINGS
@given(strategies.payloads, st.sampled_from(PUBLISH_LIMITS))
def test_any_publish_limit_exceeded_by_one_is_rejected(doc, limit):
    if _exceed(doc, *limit):
        assert _rejected(PublishPayload, doc)


@SETTINGS
@given(
    strategies.contexts,
    st.sampled_from(
        ["brand_identity", "tone_of_voice", "instructions", "content_focus", "recent_articles"]
    ),
)
def test_dropping_a_required_context_field_is_rejected(doc, field):
    del doc[field]
    assert _rejected(ContextResponse, doc)


@SETTINGS
@given(
    strategies.payloads,
    st.sampled_from(["slug", "locale", "title", "description", "content", "tags", "seo"]),
)
def test_dropping_a_required_publish_field_is_rejected(doc, field):
    del doc[field]
    assert _rejected(PublishPayload, doc)


@SETTINGS
@given(strategies.contexts, st.sampled_from(sorted(CONTEXT_KEYS)), st.text(min_size=1), st.data())
def test_an_unknown_context_key_anywhere_is_rejected(doc, path, key, data):
    try:
        target = get_path(doc, path)
    except (KeyError, IndexError):
        return
    if key in CONTEXT_KEYS[path]:
        return
    target[key] = data.draw(strategies.json_values)
    assert _rejected(ContextResponse, doc)


# -- no 5xx from any request ----------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(requests)
def test_no_request_gets_a_5xx(request):
    response = GOOD_CONTEXT.handle(request)
    assert response.status < 500
    assert response.status in {200, 400, 401, 405, 413, 422}
    json.loads(response.body or b"{}")


@settings(max_examples=200, deadline=None)
@given(requests)
def test_no_request_gets_a_5xx_async(request):
    response = asyncio.run(GOOD_CONTEXT.handle_async(request))
    assert response.status < 500


# -- the compiled context validator agrees with the model --------------------------------


def _outcome(check: Any, doc: Any) -> Any:
    from pydantic import ValidationError

    try:
        return ("ok", check(doc))
    except ValidationError as exc:
        return ("error", [(e["loc"], e["type"]) for e in exc.errors()])


@SETTINGS
@given(strategies.contexts, st.sampled_from(CONTEXT_LIMITS), st.booleans(), st.data())
def test_context_json_agrees_with_the_model(doc, limit, break_it, data):
    from wonderblogs_target.models import context_json

    if break_it:
        if data.draw(st.booleans()):
            _exceed(doc, *limit)
        else:
            path = data.draw(st.sampled_from(sorted(CONTEXT_KEYS)))
            with contextlib.suppress(KeyError, IndexError):
                get_path(doc, path)["unexpected"] = data.draw(strategies.json_values)
    compiled = _outcome(context_json, doc)
    model = _outcome(lambda d: ContextResponse.model_validate(d).to_json(), doc)
    assert compiled == model
