"""The exported OpenAPI documents: valid, real 3.0 where they say 3.0, carrying
every limit of the models, and committed in step with the generator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from tests.limits import CONTEXT_LIMITS, PUBLISH_LIMITS
from wonderblogs_target import generate_openapi_spec

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = {
    "3.0.3": ROOT / "openapi" / "openapi.json",
    "3.1.0": ROOT / "openapi" / "openapi-3.1.json",
}
REFRESH = (
    "python -m wonderblogs_target openapi > openapi/openapi.json && "
    "python -m wonderblogs_target openapi --openapi-version 3.1.0 > openapi/openapi-3.1.json"
)
CONTEXT_SCHEMAS = ["ContextResponse", "RecentArticle", "VisualIdentity", "ImageOutput"]


def walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_documents_are_valid(version):
    document = generate_openapi_spec(version=version)
    assert document["openapi"] == version
    validate(document)


def test_version_shorthands():
    assert generate_openapi_spec(version="3.1")["openapi"] == "3.1.0"
    with pytest.raises(ValueError, match="unsupported OpenAPI version"):
        generate_openapi_spec(version="2.0")


def test_the_30_document_is_real_30():
    document = generate_openapi_spec()
    for node in walk(document):
        assert node.get("type") != "null"
        assert not isinstance(node.get("type"), list)
        for keyword in ("const", "$schema", "prefixItems", "$defs"):
            assert keyword not in node, keyword
        # A schema's examples list is 3.1; a media type's examples map is 3.0 too.
        assert not isinstance(node.get("examples"), list)
        if "$ref" in node:
            assert set(node) == {"$ref"}, "3.0 ignores siblings of $ref"
    focus = document["components"]["schemas"]["ContextResponse"]["properties"]["content_focus"]
    assert focus == {**focus, "type": "string", "nullable": True, "maxLength": 5000}


def _property(schemas: dict[str, Any], root: str, path: tuple[Any, ...]) -> dict[str, Any]:
    """Follow a document path (ints for list items) through the component schemas."""
    node = schemas[root]
    for part in path:
        node = node["items"] if isinstance(part, int) else node["properties"][part]
        node = _deref(schemas, node)
    return node


def _deref(schemas: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "anyOf" in node:  # 3.1 nullable: the non-null branch
            [node] = [b for b in node["anyOf"] if b.get("type") != "null"]
        elif "$ref" in node or "allOf" in node:
            ref = node.get("$ref") or node["allOf"][0]["$ref"]
            node = schemas[ref.rsplit("/", 1)[1]]
        else:
            return node


KEYWORD = {"chars": "maxLength", "items": "maxItems", "max": "maximum", "min": "minimum"}


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
@pytest.mark.parametrize(
    ("root", "limit"),
    [("ContextResponse", limit) for limit in CONTEXT_LIMITS]
    + [("PublishPayload", limit) for limit in PUBLISH_LIMITS],
    ids=str,
)
def test_every_limit_is_in_the_schema(version, root, limit):
    path, kind, value = limit
    schemas = generate_openapi_spec(version=version)["components"]["schemas"]
    assert _property(schemas, root, path)[KEYWORD[kind]] == value


def test_required_fields_and_extra_policy():
    schemas = generate_openapi_spec()["components"]["schemas"]
    assert set(schemas["ContextResponse"]["required"]) == {
        "brand_identity",
        "tone_of_voice",
        "instructions",
        "content_focus",
        "recent_articles",
    }
    assert schemas["RecentArticle"]["required"] == ["title"]
    for name in CONTEXT_SCHEMAS:
        assert schemas[name]["additionalProperties"] is False, name
    assert set(schemas["PublishPayload"]["required"]) == {
        "slug",
        "locale",
        "title",
        "description",
        "content",
        "tags",
        "seo",
    }
    assert schemas["PublishPayload"].get("additionalProperties", True) is not False
    assert set(schemas["Seo"]["required"]) == {"metaTitle", "metaDescription", "slug"}


def test_every_field_is_described():
    schemas = generate_openapi_spec()["components"]["schemas"]
    for name in [*CONTEXT_SCHEMAS, "PublishPayload", "Seo", "Source"]:
        for field, prop in schemas[name]["properties"].items():
            assert prop.get("description"), f"{name}.{field}"


def test_operations_responses_and_security():
    document = generate_openapi_spec(path="/hooks/wb")
    operations = document["paths"]["/hooks/wb"]
    assert set(operations) == {"get", "post"}
    assert set(operations["get"]["responses"]) >= {"200", "401", "405", "500"}
    assert set(operations["post"]["responses"]) >= {"200", "400", "401", "405", "413", "422", "500"}
    body = operations["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/PublishPayload"}
    scheme = document["components"]["securitySchemes"]["WonderblogsBearer"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert document["security"] == [{"WonderblogsBearer": []}]


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_committed_documents_match_the_generator(version):
    committed = json.loads(COMMITTED[version].read_text())
    assert committed == generate_openapi_spec(version=version), (
        f"{COMMITTED[version].name} is stale; refresh it with: {REFRESH}"
    )


# -- command line ---------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def console_script(name: str) -> str:
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.fail(f"{name} is not installed next to {sys.executable}; pip install -e .")
    return str(path)


def test_wonderblogs_openapi_prints_the_30_json():
    result = run(console_script("wonderblogs-openapi"))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document == generate_openapi_spec()
    validate(document)


@pytest.mark.parametrize(
    ("args", "check"),
    [
        ([], lambda d: d["openapi"] == "3.0.3"),
        (["--openapi-version", "3.1.0"], lambda d: d["openapi"] == "3.1.0"),
        (["--path", "/wb"], lambda d: list(d["paths"]) == ["/wb"]),
    ],
)
def test_module_command_options(args, check):
    for fmt, load in (("json", json.loads), ("yaml", yaml.safe_load)):
        result = run(sys.executable, "-m", "wonderblogs_target", "openapi", "--format", fmt, *args)
        assert result.returncode == 0, result.stderr
        document = load(result.stdout)
        assert check(document)
        validate(document)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--openapi-version", "2.0"], "invalid choice: '2.0'"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--path", "no-slash"], "path must start with '/'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_fail_clearly(args, message):
    for command in (
        [sys.executable, "-m", "wonderblogs_target", "openapi"],
        [console_script("wonderblogs-openapi")],
    ):
        result = run(*command, *args)
        assert result.returncode == 2
        assert message in result.stderr
        assert result.stdout == ""


def test_version_flag():
    from wonderblogs_target import __version__

    result = run(sys.executable, "-m", "wonderblogs_target", "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"wonderblogs-target {__version__}"


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_the_documented_examples_are_in_the_document_and_follow_the_contract(version):
    from wonderblogs_target import ContextResponse, PublishPayload

    operations = generate_openapi_spec(version=version)["paths"]["/api/wonderblogs"]
    context = operations["get"]["responses"]["200"]["content"]["application/json"]
    article = operations["post"]["requestBody"]["content"]["application/json"]
    [context_example] = context["examples"].values()
    [article_example] = article["examples"].values()
    ContextResponse.model_validate(context_example["value"])
    payload = PublishPayload.model_validate(article_example["value"])
    assert payload.slug == "right-sizing-kubernetes-workloads"
    assert context_example["value"]["recent_articles"][1] == {
        "title": "FinOps Maturity Model Explained"
    }
