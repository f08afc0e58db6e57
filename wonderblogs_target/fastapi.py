"""FastAPI adapter: an ``APIRouter`` whose two operations appear in ``/docs``.

    from wonderblogs_target.fastapi import create_wonderblogs_router

    app.include_router(
        create_wonderblogs_router(api_key=KEY, get_context=..., on_publish=...),
        prefix="/api/wonderblogs",
    )

The endpoint reads the raw body itself and validates it once, in the core,
instead of declaring a typed body parameter: that is both faster and the only
way to keep every rule in one place. The request and response schemas are
given to FastAPI's OpenAPI by hand, from the same models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from typing_extensions import Unpack

from .core import TargetOptions, WonderblogsTarget
from .http import Request as TargetRequest
from .openapi import component_schemas, inline_schema

try:
    from fastapi import APIRouter, Security
    from fastapi.params import Depends
    from fastapi.responses import JSONResponse
    from fastapi.security import HTTPBearer
    from starlette.requests import Request
    from starlette.responses import Response
except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
    from ._extras import missing_extra

    raise missing_extra("fastapi", "fastapi") from exc

__all__ = ["create_wonderblogs_router"]

# Registered only so that FastAPI lists the bearer scheme and /docs offers
# "Authorize"; the core does the real check, and this never refuses a request.
_bearer = HTTPBearer(
    scheme_name="WonderblogsBearer",
    description="The Target Authentication Key from the Wonderblogs dashboard.",
    auto_error=False,
)
_OTHER_METHODS = ["PUT", "PATCH", "DELETE", "OPTIONS"]


def _docs() -> tuple[dict[Any, Any], dict[Any, Any], dict[str, Any]]:
    schemas = component_schemas()

    def body(name: str, description: str) -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": inline_schema(name, schemas)}},
        }

    errors = {
        401: body("ErrorBody", "Missing or wrong bearer key."),
        500: body("ErrorBody", "The site's own code failed."),
    }
    get_responses = {200: body("ContextResponse", "The site's brand context."), **errors}
    post_responses = {
        200: body("PublishAccepted", "Article accepted."),
        400: body("ErrorBody", "The body is not JSON."),
        409: body("ErrorBody", "The site refused the article."),
        413: body("ErrorBody", "The body is too large."),
        422: body("ErrorBody", "The JSON breaks the contract; details name each field."),
        **errors,
    }
    request_body = {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema("PublishPayload", schemas)}},
        }
    }
    return get_responses, post_responses, request_body


def create_wonderblogs_router(
    *,
    path: str = "",
    tags: Sequence[str] | None = None,
    dependencies: Sequence[Depends] | None = None,
    include_in_schema: bool = True,
    **options: Unpack[TargetOptions],
) -> APIRouter:
    """Router serving GET and POST on ``path`` (relative to the ``prefix`` you
    include it with). ``tags``, ``dependencies`` and ``include_in_schema`` are
    FastAPI's own; everything else goes to :class:`WonderblogsTarget`."""
    target = WonderblogsTarget(**options)

    async def wonderblogs_endpoint(request: Request) -> Response:
        answer = await target.handle_async(
            TargetRequest(request.method, request.headers, request.stream())
        )
        return Response(answer.body, answer.status, dict(answer.headers))

    get_responses, post_responses, request_body = _docs()
    router = APIRouter(
        tags=list(tags or ["wonderblogs"]),
        dependencies=[*(dependencies or ()), Security(_bearer)],
        include_in_schema=include_in_schema,
    )
    common: dict[str, Any] = {"response_class": JSONResponse, "response_model": None}
    router.add_api_route(
        path,
        wonderblogs_endpoint,
        methods=["GET"],
        name="wonderblogs_context",
        summary="Brand context for the next generation run",
        operation_id="getWonderblogsContext",
        responses=get_responses,
        **common,
    )
    router.add_api_route(
        path,
        wonderblogs_endpoint,
        methods=["POST"],
        name="wonderblogs_publish",
        summary="Receive a finished article",
        operation_id="publishWonderblogsArticle",
        responses=post_responses,
        openapi_extra=request_body,
        **common,
    )
    # The core answers everything else too, so a wrong method gets the same JSON
    # 405 as in every other adapter, and the trailing-slash form is served rather
    # than redirected (Wonderblogs does not follow redirects on POST).
    router.add_api_route(
        path, wonderblogs_endpoint, methods=["HEAD", *_OTHER_METHODS], include_in_schema=False
    )
    router.add_api_route(
        path + "/",
        wonderblogs_endpoint,
        methods=["GET", "HEAD", "POST", *_OTHER_METHODS],
        include_in_schema=False,
    )
    return router
