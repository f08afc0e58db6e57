"""OpenAPI documents of the target endpoint, generated from the models.

Nothing here is written by hand that the models already say: every limit,
required field and ``additionalProperties`` comes from pydantic's JSON Schema,
so the spec cannot drift from what the handler enforces. The 3.0 document is
translated down (``nullable``, no null types) rather than merely relabelled.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import TypeAdapter
from pydantic.json_schema import models_json_schema

from ._endpoint import DEFAULT_BODY_TIMEOUT
from ._version import __version__
from .callbacks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from .core import DEFAULT_MAX_BODY_SIZE, WonderblogsTarget
from .errors import error_body_schema
from .models import ContextResponse, PublishPayload

__all__ = [
    "CALLBACK_OPERATION",
    "TARGET_OPERATIONS",
    "Answer",
    "OpenAPIVersion",
    "Operation",
    "callback_event_schema",
    "component_schemas",
    "generate_openapi_spec",
    "inline_refs",
    "inline_schema",
    "response_headers",
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
    error = error_body_schema(_REF)
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
    """Component ``name`` with its references resolved (see `inline_refs`)."""
    schemas = component_schemas() if schemas is None else schemas
    return inline_refs(schemas[name], schemas)


def callback_event_schema() -> dict[str, Any]:
    """Self-contained JSON Schema of the callback event union."""
    from .callbacks.events import CallbackEvent

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


#: The examples of the contract page, shown by Swagger UI and Postman and run
#: by schemathesis' example phase.
EXAMPLES: Mapping[str, tuple[str, Any]] = {
    "ContextResponse": (
        "An example context",
        {
            "brand_identity": "Acme builds deployment tooling for small platform teams.",
            "tone_of_voice": "Plain and precise; opinions welcome, hype not.",
            "instructions": "One runnable example per article, under 2,000 words.",
            "content_focus": "Cutting cloud spend on Kubernetes",
            "recent_articles": [
                {
                    "title": "Why We Moved to Arm64",
                    "summary": "Migration story covering cost savings and gotchas with AWS "
                    "Graviton.",
                },
                {"title": "FinOps Maturity Model Explained"},
            ],
            "visual_identity": {
                "color_palette": ["#1A73E8", "#2C2116"],
                "visual_style": "flat-illustration",
                "image_mood": ["Professional", "Optimistic"],
                "banned_visual_elements": ["stock photos", "generic icons"],
                "reference_description": "Clean, modern tech aesthetic with geometric shapes",
            },
        },
    ),
    "PublishPayload": (
        "An example article",
        {
            "slug": "right-sizing-kubernetes-workloads",
            "locale": "en",
            "title": "Right-Sizing Kubernetes Workloads: Stop Overpaying for Idle Pods",
            "description": "Measure what pods use, then set requests to match.",
            "content": "## Measure first\n\n```bash\nkubectl top pods -A\n```\n\n...",
            "author": "Acme Engineering",
            "tags": ["kubernetes", "finops", "cost-optimization", "cloud-native"],
            "seo": {
                "metaTitle": "Right-Sizing Kubernetes Workloads: A Practical Guide",
                "metaDescription": "Measure what your pods use and set their requests to match.",
                "slug": "right-sizing-kubernetes-workloads",
            },
            "targetFocus": "Kubernetes cost optimization",
            "refinedAngle": "Practical right-sizing methodology using real kubectl metrics",
            "coverImageUrl": "https://images.example.com/kubernetes-costs.webp",
            "sources": [
                {
                    "url": "https://kubernetes.io/docs/concepts/configuration/"
                    "manage-resources-containers/",
                    "title": "Managing Resources for Containers",
                },
                {
                    "url": "https://www.cncf.io/blog/2024/03/finops-kubernetes/",
                    "title": "FinOps for Kubernetes Workloads",
                },
            ],
        },
    ),
    "PublishAccepted": ("Accepted", {"ok": True}),
}


def media_examples(schema_name: str) -> dict[str, Any]:
    """The ``examples`` of a media type object whose body follows ``schema_name``."""
    if schema_name not in EXAMPLES:
        return {}
    summary, value = EXAMPLES[schema_name]
    return {"examples": {"documented": {"summary": summary, "value": value}}}


@dataclass(frozen=True)
class Answer:
    """One documented status of an operation."""

    description: str
    #: The component the body follows.
    schema: str = "ErrorBody"
    #: Response headers, name to description.
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One operation as both the OpenAPI document and the FastAPI router show it."""

    operation_id: str
    #: The route name FastAPI gives it (``url_path_for``).
    name: str
    summary: str
    description: str
    responses: Mapping[int, Answer]
    #: The component the request body follows, and its description.
    request: tuple[str, str] | None = None
    #: Required request headers, name to description.
    request_headers: Mapping[str, str] = field(default_factory=dict)


_UNAUTHORISED = Answer(
    "The bearer key is missing or wrong. Wonderblogs marks the run as failed.",
    headers={"WWW-Authenticate": "Always `Bearer`."},
)
_NOT_ALLOWED = Answer(
    "Only GET and POST are served on this URL.",
    headers={"Allow": f"`{', '.join(WonderblogsTarget.allowed_methods)}`."},
)
_SERVER_ERROR = Answer(
    "The site's own code or its store failed, or produced a context that breaks the "
    "contract. No details are sent; the site's log has them."
)
_TIMED_OUT = Answer(
    "The site's code ran past its time limit (`callback_timeout`).",
    headers={"Retry-After": "Seconds to wait."},
)

#: The target's two operations, by method: the one place their documentation is written.
TARGET_OPERATIONS: Mapping[str, Operation] = {
    "GET": Operation(
        operation_id="getWonderblogsContext",
        name="wonderblogs_context",
        summary="Brand context for the next generation run",
        description=(
            "Wonderblogs calls this before every run. The answer steers the voice, "
            "the topics and the cover images of the articles it writes."
        ),
        responses={
            200: Answer("The site's brand context.", "ContextResponse"),
            401: _UNAUTHORISED,
            405: _NOT_ALLOWED,
            500: _SERVER_ERROR,
            503: _TIMED_OUT,
        },
    ),
    "POST": Operation(
        operation_id="publishWonderblogsArticle",
        name="wonderblogs_publish",
        summary="Receive a finished article",
        description=(
            "Wonderblogs posts each finished article here, and again on a re-push from "
            'its dashboard. A rewrite carries `action: "update"` and the caller\'s '
            "`externalId`. Any 2xx confirms delivery; anything else keeps the article "
            "in Wonderblogs for a manual retry."
        ),
        request=("PublishPayload", "The article."),
        responses={
            200: Answer("Article accepted.", "PublishAccepted"),
            400: Answer(
                "The body is not JSON, Content-Length is not a number, or the body "
                "ended before its Content-Length."
            ),
            401: _UNAUTHORISED,
            405: _NOT_ALLOWED,
            408: Answer(
                "The body did not arrive within the site's time limit (`body_timeout`, "
                f"{DEFAULT_BODY_TIMEOUT:g} s by default)."
            ),
            409: Answer("The site refused the article, for example a duplicate slug."),
            411: Answer(
                "The server in front of the site passed on none of a chunked body; "
                "send it with a Content-Length."
            ),
            413: Answer(
                f"The body is larger than the site accepts (by default "
                f"{DEFAULT_MAX_BODY_SIZE} bytes)."
            ),
            415: Answer(
                "Only where the site accepts requests without a key: the body is not "
                "declared as `application/json`."
            ),
            422: Answer("The JSON breaks the contract; `details` names each field."),
            500: _SERVER_ERROR,
            503: _TIMED_OUT,
        },
    ),
}

#: The callback receiver's operation (documented by the FastAPI router).
CALLBACK_OPERATION = Operation(
    operation_id="receiveWonderblogsCallback",
    name="wonderblogs_callback",
    summary="Receive a signed completion callback",
    description=(
        "Wonderblogs posts here when a run or an image job it was asked for ends, "
        "signed with the site's key. Any 2xx ends the delivery; a 5xx makes it "
        "retry (up to three times), a 4xx stops it."
    ),
    request=("CallbackEvent", "The event."),
    request_headers={
        SIGNATURE_HEADER: "`sha256=<hex HMAC>` of `<timestamp>.<raw body>`.",
        TIMESTAMP_HEADER: "Unix seconds.",
    },
    responses={
        200: Answer("Event handled (or already handled before).", "PublishAccepted"),
        400: Answer("Authentic, but not an event this receiver knows."),
        401: Answer("Missing, wrong or stale signature."),
        500: Answer("The site's handler failed; Wonderblogs retries."),
        503: Answer(
            "The handler ran past its time limit, or another delivery of this event "
            "is still being handled; Wonderblogs retries.",
            headers={"Retry-After": "Seconds to wait."},
        ),
    },
)


def response_headers(answer: Answer) -> dict[str, Any]:
    """An answer's headers as an OpenAPI ``headers`` object."""
    return {
        name: {"schema": {"type": "string"}, "description": text}
        for name, text in answer.headers.items()
    }


def _content(schema_name: str) -> dict[str, Any]:
    return {
        "application/json": {
            "schema": {"$ref": _REF.format(model=schema_name)},
            **media_examples(schema_name),
        }
    }


def _operation(op: Operation) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description,
    }
    if op.request is not None:
        document["requestBody"] = {"required": True, "content": _content(op.request[0])}
    responses: dict[str, Any] = {}
    for status, answer in op.responses.items():
        response: dict[str, Any] = {
            "description": answer.description,
            "content": _content(answer.schema),
        }
        if answer.headers:
            response["headers"] = response_headers(answer)
        responses[str(status)] = response
    document["responses"] = responses
    return document


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
    schemas = component_schemas()
    operations = {method.lower(): _operation(op) for method, op in TARGET_OPERATIONS.items()}
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
