"""The contenders, per framework: our adapter, a hand-written idiomatic route,
and a floor route that only reads the body and answers 200. Each factory
returns one app serving all three (``/adapter``, ``/idiomatic``, ``/floor``),
so in-process and over-HTTP runs compare them side by side.

Both our callbacks and the idiomatic routes do the same trivial work (keep the
last article), so what is measured is the framework path and the validation.
ASGI contenders are async throughout (FastAPI's fastest idiomatic form);
WSGI contenders are sync.
"""

import hmac
import json
from typing import Any

from bench.common import AUTH, KEY, full_context
from wonderblogs_target import ContextResponse, PublishPayload

CONTEXT = full_context()
LAST: dict[str, Any] = {}


def keep(payload: PublishPayload) -> None:
    LAST["payload"] = payload


async def keep_async(payload: PublishPayload) -> None:
    LAST["payload"] = payload


def context() -> dict[str, Any]:
    return CONTEXT


async def context_async() -> dict[str, Any]:
    return CONTEXT


def authorised(header: str | None) -> bool:
    return header is not None and hmac.compare_digest(header.encode(), AUTH.encode())


# -- ASGI ------------------------------------------------------------------------------


def fastapi_app() -> Any:
    from fastapi import FastAPI, Header, HTTPException, Request, Response

    from wonderblogs_target.fastapi import create_wonderblogs_router

    app = FastAPI()
    app.include_router(
        create_wonderblogs_router(api_key=KEY, get_context=context_async, on_publish=keep_async),
        prefix="/adapter",
    )

    @app.post("/idiomatic")
    async def publish(payload: PublishPayload, authorization: str = Header()) -> dict[str, bool]:
        if not authorised(authorization):
            raise HTTPException(status_code=401)
        LAST["payload"] = payload
        return {"ok": True}

    @app.get("/idiomatic", response_model=ContextResponse, response_model_exclude_unset=True)
    async def get_context(authorization: str = Header()) -> Any:
        if not authorised(authorization):
            raise HTTPException(status_code=401)
        return CONTEXT

    @app.post("/floor")
    async def floor_post(request: Request) -> Response:
        await request.body()
        return Response(status_code=200)

    @app.get("/floor")
    async def floor_get(request: Request) -> Response:
        return Response(status_code=200)

    return app


def asgi_app() -> Any:
    """The plain ASGI adapter, answering on every path."""
    from wonderblogs_target.asgi import create_wonderblogs_app

    return create_wonderblogs_app(api_key=KEY, get_context=context_async, on_publish=keep_async)


def uvicorn_app() -> Any:
    """One server for every ASGI contender: ``/asgi-adapter`` goes to the bare
    adapter, everything else to :func:`fastapi_app`. The switch costs every
    route the same path comparison, so the bare adapter and FastAPI's idiomatic
    route are measured side by side in one process."""
    fastapi, bare = fastapi_app(), asgi_app()

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        app = bare if scope.get("path") == "/asgi-adapter" else fastapi
        await app(scope, receive, send)

    return dispatch


# -- WSGI ------------------------------------------------------------------------------


def flask_app() -> Any:
    from flask import Flask, Response, abort, request

    from wonderblogs_target.flask import create_wonderblogs_blueprint

    app = Flask("bench")
    app.register_blueprint(
        create_wonderblogs_blueprint(api_key=KEY, get_context=context, on_publish=keep),
        url_prefix="/adapter",
    )

    @app.post("/idiomatic")
    def publish() -> Any:
        if not authorised(request.headers.get("Authorization")):
            abort(401)
        LAST["payload"] = PublishPayload.model_validate(request.get_json())
        return {"ok": True}

    @app.get("/idiomatic")
    def get_context() -> Any:
        if not authorised(request.headers.get("Authorization")):
            abort(401)
        body = ContextResponse.model_validate(CONTEXT).model_dump_json(exclude_unset=True)
        return Response(body, mimetype="application/json")

    @app.route("/floor", methods=["GET", "POST"])
    def floor() -> Any:
        request.get_data()
        return Response(status=200)

    return app


def django_app() -> Any:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="bench",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__,
            MIDDLEWARE=[
                "django.middleware.common.CommonMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
            ],
            INSTALLED_APPS=[],
        )
        django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


def _django_urls() -> list[Any]:
    from django.http import HttpResponse, JsonResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from wonderblogs_target.django import create_wonderblogs_view

    @csrf_exempt
    def idiomatic(request: Any) -> HttpResponse:
        if not authorised(request.headers.get("Authorization")):
            return HttpResponse(status=401)
        if request.method == "POST":
            LAST["payload"] = PublishPayload.model_validate(json.loads(request.body))
            return JsonResponse({"ok": True})
        body = ContextResponse.model_validate(CONTEXT).model_dump_json(exclude_unset=True)
        return HttpResponse(body, content_type="application/json")

    @csrf_exempt
    def floor(request: Any) -> HttpResponse:
        request.body  # noqa: B018 - read the body, as the floor does
        return HttpResponse(status=200)

    adapter = create_wonderblogs_view(api_key=KEY, get_context=context, on_publish=keep)
    return [path("adapter", adapter), path("idiomatic", idiomatic), path("floor", floor)]


def wsgi_adapter() -> Any:
    from wonderblogs_target.wsgi import create_wonderblogs_wsgi_app

    return create_wonderblogs_wsgi_app(api_key=KEY, get_context=context, on_publish=keep)


def wsgi_idiomatic(environ: dict[str, Any], start_response: Any) -> Any:
    if not authorised(environ.get("HTTP_AUTHORIZATION")):
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"no"]
    if environ["REQUEST_METHOD"] == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = json.loads(environ["wsgi.input"].read(length))
        LAST["payload"] = PublishPayload.model_validate(data)
        body = b'{"ok":true}'
    else:
        context = ContextResponse.model_validate(CONTEXT)
        body = context.model_dump_json(exclude_unset=True).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def wsgi_floor(environ: dict[str, Any], start_response: Any) -> Any:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b""]


def wsgi_app() -> Any:
    """The plain WSGI contenders behind a minimal path switch, for servers."""
    apps = {"/adapter": wsgi_adapter(), "/idiomatic": wsgi_idiomatic, "/floor": wsgi_floor}

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        return apps[environ.get("PATH_INFO", "/adapter")](environ, start_response)

    return dispatch


def __getattr__(name: str) -> Any:
    if name == "urlpatterns":  # Django's ROOT_URLCONF is this module
        return _django_urls()
    raise AttributeError(name)
