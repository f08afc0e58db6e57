"""OpenAPI documents of the target endpoint, generated from the models.

Nothing here is written by hand that the models already say: every limit,
required field and ``additionalProperties`` comes from pydantic's JSON Schema,
so the spec cannot drift from what the handler enforces. The 3.0 document is
translated down (``nullable``, no null types) rather than merely relabelled.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import TypeAdapter
from pydantic.json_schema import models_json_schema

from .core import DEFAULT_MAX_BODY_SIZE, WonderblogsTarget
from .errors import ErrorBody
from .models import ContextResponse, PublishPayload

__all__ = [
    "OpenAPIVersion",
    "callback_event_schema",
    "component_schemas",
    "generate_openapi_spec",
    "inline_refs",
    "inline_schema",
]

OpenAPIVersion = Literal["3.0.3", "3.1.0"]
SUPPORTED_VERSIONS: tuple[str, ...] = ("3.0.3", "3.1.0")
_SHORT_VERSIONS = {"3.0": "3.0.3", "3.1": "3.1.0"}
DEFAULT_PATH = "/api/wonderblogs"
SECURITY_SCHEME = "WonderblogsBearer"
_REF = "#/components/schemas/{model}"


def component_schemas() -> dict[str, Any]:
    """JSON Schemas (2020-12, as OpenAPI 3.1 uses) of every named component."""
    _, top = models_json_schema(
        [(ContextResponse, "validation"), (PublishPayload, "validation")], ref_template=_REF
    )
    schemas: dict[str, Any] = dict(top["$defs"])
    error = TypeAdapter(ErrorBody).json_schema(ref_template=_REF)
    schemas.update(error.pop("$defs", {}))
    error["title"] = "ErrorBody"
    schemas["ErrorBody"] = error
    schemas["PublishAccepted"] = {
        "title": "PublishAccepted",
        "description": "Answer to an accepted article. Wonderblogs only looks at the status.",
        "type": "object",
        "properties": {"ok": {"type": "boolean", "enum": [True]}},
        "required": ["ok"],
    }
    return dict(sorted(schemas.items()))


def inline_refs(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every ``$ref`` to ``schemas`` replaced by its target, for
    hosts (such as FastAPI's generated docs) that cannot take our components.
    Discriminator mappings, which name components, are dropped."""

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                target = resolve(schemas[ref.rsplit("/", 1)[1]])
                return {**target, **{k: resolve(v) for k, v in node.items() if k != "$ref"}}
            return {k: resolve(v) for k, v in node.items() if k != "discriminator"}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    result: dict[str, Any] = resolve(copy.deepcopy(schema))
    return result


def inline_schema(name: str, schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    """Component ``name`` with its references resolved (see :func:`inline_refs`)."""
    schemas = component_schemas() if schemas is None else schemas
    return inline_refs(schemas[name], schemas)


def callback_event_schema() -> dict[str, Any]:
    """Self-contained JSON Schema of the callback event union."""
    from .events import CallbackEvent

    schema = TypeAdapter(CallbackEvent).json_schema(ref_template=_REF)
    return inline_refs(schema, schema.pop("$defs", {}))


def _to_openapi_30(node: Any) -> Any:
    """Rewrite JSON Schema 2020-12 constructs into their OpenAPI 3.0 forms."""
    if isinstance(node, list):
        return [_to_openapi_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _to_openapi_30(v) for k, v in node.items()}
    for key in ("anyOf", "oneOf"):
        branches = node.get(key)
        if isinstance(branches, list) and {"type": "null"} in branches:
            rest = [b for b in branches if b != {"type": "null"}]
            del node[key]
            if len(rest) == 1:
                only = rest[0]
                if "$ref" in only:
                    node["allOf"] = [only]
                else:
                    node.update(only)
            else:
                node[key] = rest
            node["nullable"] = True
    if "$ref" in node and len(node) > 1:
        # 3.0 ignores everything beside a $ref; allOf keeps the description.
        node["allOf"] = [{"$ref": node.pop("$ref")}]
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if "examples" in node and isinstance(node["examples"], list):
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    return node


def _json(schema_name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=schema_name)}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json("ErrorBody")}


def _operations() -> dict[str, Any]:
    unauthorised = _error(
        "The bearer key is missing or wrong. Wonderblogs marks the run as failed."
    )
    unauthorised["headers"] = {
        "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Always `Bearer`."}
    }
    not_allowed = _error("Only GET and POST are served on this URL.")
    not_allowed["headers"] = {
        "Allow": {
            "schema": {"type": "string"},
            "description": f"`{', '.join(WonderblogsTarget.allowed_methods)}`.",
        }
    }
    server_error = _error(
        "The site's own code failed, or produced a context that breaks the contract. "
        "No details are sent; the site's log has them."
    )
    timed_out = _error("The site's code ran past its time limit (`callback_timeout`).")
    timed_out["headers"] = {
        "Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}
    }
    return {
        "get": {
            "operationId": "getWonderblogsContext",
            "summary": "Brand context for the next generation run",
            "description": (
                "Wonderblogs calls this before every run. The answer steers the voice, "
                "the topics and the cover images of the articles it writes."
            ),
            "responses": {
                "200": {
                    "description": "The site's brand context.",
                    "content": _json("ContextResponse"),
                },
                "401": unauthorised,
                "405": not_allowed,
                "500": server_error,
                "503": timed_out,
            },
        },
        "post": {
            "operationId": "publishWonderblogsArticle",
            "summary": "Receive a finished article",
            "description": (
                "Wonderblogs posts each finished article here, and again on a re-push from "
                'its dashboard. A rewrite carries `action: "update"` and the caller\'s '
                "`externalId`. Any 2xx confirms delivery; anything else keeps the article "
                "in Wonderblogs for a manual retry."
            ),
            "requestBody": {"required": True, "content": _json("PublishPayload")},
            "responses": {
                "200": {"description": "Article accepted.", "content": _json("PublishAccepted")},
                "400": _error(
                    "The body is not JSON, Content-Length is not a number, or the body "
                    "ended before its Content-Length."
                ),
                "401": unauthorised,
                "405": not_allowed,
                "409": _error("The site refused the article, for example a duplicate slug."),
                "413": _error(
                    f"The body is larger than the site accepts (by default "
                    f"{DEFAULT_MAX_BODY_SIZE} bytes)."
                ),
                "422": _error("The JSON breaks the contract; `details` names each field."),
                "500": server_error,
                "503": timed_out,
            },
        },
    }


def generate_openapi_spec(
    *, version: str = "3.0.3", path: str = DEFAULT_PATH, title: str = "Wonderblogs target API"
) -> dict[str, Any]:
    """The OpenAPI document of the target endpoint, as a dict ready for ``json.dumps``.

    ``version`` is ``"3.0.3"`` (the default, what most stub generators take) or
    ``"3.1.0"`` (``"3.0"`` and ``"3.1"`` work too); ``path`` is where the
    endpoint is served.
    """
    version = _SHORT_VERSIONS.get(version, version)
    if version not in SUPPORTED_VERSIONS:
        choices = ", ".join(SUPPORTED_VERSIONS)
        raise ValueError(f"unsupported OpenAPI version {version!r}; choose one of {choices}")
    if not path.startswith("/"):
        raise ValueError(f"path must start with '/', got {path!r}")
    from . import __version__

    schemas = component_schemas()
    operations = _operations()
    if version.startswith("3.0"):
        schemas = _to_openapi_30(schemas)
    return {
        "openapi": version,
        "info": {
            "title": title,
            "version": __version__,
            "description": (
                "The two operations a site serves so that Wonderblogs can write for it: "
                "GET returns the brand context, POST receives each finished article. Both "
                "share one URL and the bearer key set in the Wonderblogs dashboard."
            ),
        },
        "paths": {path: operations},
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The Target Authentication Key from the Wonderblogs dashboard.",
                }
            },
        },
        "security": [{SECURITY_SCHEME: []}],
    }
