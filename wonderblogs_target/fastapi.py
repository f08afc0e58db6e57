"""FastAPI adapter: routers whose operations appear in ``/docs``.

    from wonderblogs_target.fastapi import create_wonderblogs_router

    app.include_router(
        create_wonderblogs_router(api_key=KEY, get_context=..., on_publish=...),
        prefix="/api/wonderblogs",
    )

The endpoint reads the raw body itself and validates it once, in the core,
instead of declaring a typed body parameter: that is both faster and the only
way to keep every rule in one place (and, for callbacks, to check the
signature on the exact bytes received). The request and response schemas are
given to FastAPI's OpenAPI by hand, from the same models.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from ._endpoint import Endpoint
from ._extras import missing_extra
from .core import TargetOptions, WonderblogsTarget
from .http import ROUTED_METHODS, headers_from_pairs
from .http import Request as CoreRequest
from .openapi import (
    CALLBACK_OPERATION,
    TARGET_OPERATIONS,
    Operation,
    callback_event_schema,
    component_schemas,
    inline_schema,
    media_examples,
    response_headers,
)

if TYPE_CHECKING:
    from .callbacks.receiver import ReceiverOptions

try:
    from fastapi import APIRouter, Security
    from fastapi.params import Depends
    from fastapi.responses import JSONResponse
    from fastapi.routing import APIRoute
    from fastapi.security import HTTPBearer
    from starlette.requests import Request
    from starlette.responses import Response
except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
    raise missing_extra("fastapi", "fastapi") from exc

__all__ = ["WonderblogsRoute", "create_wonderblogs_callback_router", "create_wonderblogs_router"]

# Registered only so that FastAPI lists the bearer scheme and /docs offers
# "Authorize"; the core does the real check, and this never refuses a request.
_bearer = HTTPBearer(
    scheme_name="WonderblogsBearer",
    description="The Target Authentication Key from the Wonderblogs dashboard.",
    auto_error=False,
)
Route = Callable[[Request], Awaitable[Response]]


def _resolved_by_fastapi(func: Callable[..., Any], skip: int) -> list[inspect.Parameter]:
    """The parameters of a callback that FastAPI should resolve: those with a
    ``Depends(...)`` default or an ``Annotated[..., Depends(...)]`` type, after
    the first ``skip`` (the article or event the core passes itself)."""
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: nothing to resolve
        return []
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:  # a partial, a callable object: read the signature as it is
        hints = {}
    found = []
    for param in parameters[skip:]:
        annotation = hints.get(param.name, param.annotation)
        metadata = getattr(annotation, "__metadata__", ())
        if isinstance(param.default, Depends) or any(isinstance(m, Depends) for m in metadata):
            found.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
    return found


def _route(endpoint: Endpoint, callback: str | None = None, skip: int = 0) -> Route:
    """The route function; when ``callback`` declares FastAPI dependencies, the
    route declares them too, and FastAPI's resolved values reach the callback."""
    func = getattr(endpoint, callback) if callback else None
    # None: a fixed context, or a store with no on_publish hook; nothing to resolve.
    resolved_params = _resolved_by_fastapi(func, skip) if func is not None else []

    async def wonderblogs_endpoint(request: Request, **resolved: Any) -> Response:
        target = endpoint.bind(callback, **resolved) if callback and resolved else endpoint
        # The raw pairs, repeated names joined: Starlette's .get() would show
        # only the first of two Authorization headers.
        headers = headers_from_pairs(request.scope["headers"])
        answer = await target.handle_async(CoreRequest(request.method, headers, request.stream()))
        return Response(answer.body, answer.status, dict(answer.headers))

    # What FastAPI reads to know what to resolve: the request, then the callback's
    # dependencies (never ``**resolved`` itself, which it would take for a body).
    request_param = inspect.Parameter(
        "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request
    )
    wonderblogs_endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [request_param, *resolved_params]
    )
    wonderblogs_endpoint._wonderblogs_route = True  # type: ignore[attr-defined]
    return wonderblogs_endpoint


def _effective_dependant(route: APIRoute) -> Any:
    """The dependencies FastAPI would resolve for ``route`` where it is included.

    FastAPI releases that keep included routes as inclusion contexts expose the
    active one through a context variable while building the handler; older
    ones copy the route with every dependency merged in.
    """
    try:
        from fastapi.routing import _effective_route_context_var
    except ImportError:
        return route.dependant
    context = _effective_route_context_var.get()
    if context is not None and getattr(context, "original_route", None) is route:
        return context.dependant
    return route.dependant


class WonderblogsRoute(APIRoute):
    """An APIRoute that, when nothing but our own bearer marker is declared as a
    dependency, skips FastAPI's dependency resolution: the core needs only the
    raw request. With dependencies of yours (on the router, the include, or the
    app) FastAPI resolves them first, as for any route."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        dependant = _effective_dependant(self)
        extra = [d for d in dependant.dependencies if getattr(d, "call", None) is not _bearer]
        if not getattr(self.endpoint, "_wonderblogs_route", False) or extra:
            return super().get_route_handler()
        handler: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return handler


def _documentation(operation: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's route arguments for ``operation``, with every schema inlined
    (FastAPI's document cannot hold our components)."""

    def content(name: str) -> dict[str, Any]:
        schema = (
            callback_event_schema() if name == "CallbackEvent" else inline_schema(name, schemas)
        )
        return {"application/json": {"schema": schema, **media_examples(name)}}

    responses: dict[int | str, dict[str, Any]] = {}
    for status, answer in operation.responses.items():
        responses[status] = {"description": answer.description, "content": content(answer.schema)}
        if answer.headers:
            responses[status]["headers"] = response_headers(answer)
    extra: dict[str, Any] = {}
    if operation.request is not None:
        name, description = operation.request
        extra["requestBody"] = {
            "required": True,
            "description": description,
            "content": content(name),
        }
    if operation.request_headers:
        extra["parameters"] = [
            {
                "name": header,
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": text,
            }
            for header, text in operation.request_headers.items()
        ]
    return {
        "name": operation.name,
        "summary": operation.summary,
        "description": operation.description,
        "operation_id": operation.operation_id,
        "responses": responses,
        "openapi_extra": extra,
    }


def _router(
    routes: dict[str, Route],
    path: str,
    operations: Mapping[str, Operation],
    *,
    tags: Sequence[str] | None,
    dependencies: Sequence[Depends],
    include_in_schema: bool,
) -> APIRouter:
    """``routes`` maps each method to its route function; ``"*"`` serves the rest."""
    router = APIRouter(
        tags=list(tags or ["wonderblogs"]),
        dependencies=list(dependencies),
        include_in_schema=include_in_schema,
        route_class=WonderblogsRoute,
    )
    schemas = component_schemas()
    for method, operation in operations.items():
        router.add_api_route(
            path,
            routes.get(method, routes["*"]),
            methods=[method],
            response_class=JSONResponse,
            response_model=None,
            **_documentation(operation, schemas),
        )
    # The core answers everything else too, so a wrong method gets the same JSON
    # 405 as in every other adapter, and the trailing-slash form is served rather
    # than redirected (Wonderblogs does not follow redirects on POST).
    others = [m for m in ROUTED_METHODS if m not in operations]
    router.add_api_route(path, routes["*"], methods=others, include_in_schema=False)
    for method in ROUTED_METHODS:
        route = routes.get(method, routes["*"])
        router.add_api_route(path + "/", route, methods=[method], include_in_schema=False)
    return router


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
    FastAPI's own; everything else goes to
    [`WonderblogsTarget`][wonderblogs_target.WonderblogsTarget]."""
    target = WonderblogsTarget(**options)
    # HEAD calls get_context too, so every method but POST resolves its dependencies.
    return _router(
        {"*": _route(target, "get_context"), "POST": _route(target, "on_publish", skip=1)},
        path,
        TARGET_OPERATIONS,
        tags=tags,
        dependencies=[*(dependencies or ()), Security(_bearer)],
        include_in_schema=include_in_schema,
    )


def create_wonderblogs_callback_router(
    *,
    path: str = "",
    tags: Sequence[str] | None = None,
    dependencies: Sequence[Depends] | None = None,
    include_in_schema: bool = True,
    **options: Unpack[ReceiverOptions],
) -> APIRouter:
    """Router receiving signed v1 API callbacks with POST on ``path``; takes the
    keyword arguments of
    [`WonderblogsCallbackReceiver`][wonderblogs_target.callbacks.receiver.WonderblogsCallbackReceiver]."""
    from .callbacks.receiver import WonderblogsCallbackReceiver

    receiver = WonderblogsCallbackReceiver(**options)
    return _router(
        {"*": _route(receiver), "POST": _route(receiver, "on_event", skip=1)},
        path,
        {"POST": CALLBACK_OPERATION},
        tags=tags,
        dependencies=list(dependencies or ()),
        include_in_schema=include_in_schema,
    )
