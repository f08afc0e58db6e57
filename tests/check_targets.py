"""Endpoints for the checker's tests, good and deliberately broken, served by
uvicorn in a real process (``uvicorn tests.check_targets:app``)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tests import samples
from wonderblogs_target import PublishRejected
from wonderblogs_target.asgi import create_wonderblogs_app

KEY = "check-key-5ecret"
published: list[Any] = []


def with_focus(focus: str | None) -> dict[str, Any]:
    return {**samples.context(), "content_focus": focus}


def refuse(payload: Any) -> None:
    raise PublishRejected("slug already exists", status_code=409)


def authorised(request: Request) -> bool:
    return request.headers.get("authorization") == f"Bearer {KEY}"


def hand_written(
    document: dict[str, Any], *, refuse_with: int = 401, check_auth: bool = True
) -> Any:
    async def endpoint(request: Request) -> Response:
        if check_auth and not authorised(request):
            return JSONResponse({"error": "no"}, status_code=refuse_with)
        return JSONResponse(document)

    return endpoint


extra_key = {**samples.context(), "favourite_colour": "teal"}
long_field = samples.context()
long_field["recent_articles"] = [{"title": f"Post {n}"} for n in range(5)]
long_field["recent_articles"][3]["summary"] = "s" * 2_417
many_problems = copy.deepcopy(long_field)
many_problems["visual_identity"]["image_output"]["compression"] = 120
del many_problems["tone_of_voice"]


async def slow(request: Request) -> Response:
    await asyncio.sleep(3)
    return JSONResponse(samples.context())


async def non_json(request: Request) -> Response:
    if not authorised(request):
        return PlainTextResponse("no", status_code=401)
    return PlainTextResponse("<html>Welcome</html>", media_type="text/html")


async def redirect(request: Request) -> Response:
    return RedirectResponse("/good", status_code=307)


async def echo(request: Request) -> Response:
    # A careless server that echoes the header back in its error.
    return JSONResponse({"error": f"bad {request.headers.get('authorization')}"}, status_code=500)


def adapter(**options: Any) -> Any:
    options = {"api_key": KEY, "on_publish": published.append, **options}
    options.setdefault("get_context", samples.context)
    return create_wonderblogs_app(**options)


METHODS = ["GET", "POST", "PUT", "DELETE"]
app = Starlette(
    routes=[
        Route("/good", adapter(), methods=METHODS),
        Route("/empty-focus", adapter(get_context=lambda: with_focus("")), methods=METHODS),
        Route("/null-focus", adapter(get_context=lambda: with_focus(None)), methods=METHODS),
        Route("/refuses-posts", adapter(on_publish=refuse), methods=METHODS),
        Route("/extra-key", hand_written(extra_key)),
        Route("/long-field", hand_written(long_field)),
        Route("/many-problems", hand_written(many_problems)),
        Route("/open", hand_written(samples.context(), check_auth=False)),
        Route("/forbidden", hand_written(samples.context(), refuse_with=403)),
        Route("/slow", slow),
        Route("/non-json", non_json),
        Route("/redirect", redirect, methods=METHODS),
        Route("/echo", echo),
    ]
)
