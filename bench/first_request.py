"""A fresh process to its first answered publish, through the documented
Lambda handler (Mangum over Starlette, ``docs/snippets/mangum_handler.py``),
against a hand-written handler on the same Mangum and Starlette.

    python -m bench.first_request [--runs 10]

Each run is a new interpreter that imports the handler's modules, builds the
handler and calls it with one API Gateway event carrying a 12 KB article,
timed from the script's first line to the answer (the interpreter's own start
is the same for both and left out). The peer checks the bearer key and
validates the article with a pydantic model of the contract's fields written
here, then answers ``{"ok": true}``, as the package does. Minimum of the runs,
bytecode caches in use. The goal (the serve-speed issue): within 1.2x of the
peer.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.common import KEY, payload_12k

ROOT = Path(__file__).resolve().parent.parent
_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}

_EVENT = """
EVENT = {{
    "version": "2.0", "routeKey": "$default", "rawPath": "/api/wonderblogs",
    "rawQueryString": "", "isBase64Encoded": False, "body": {body!r},
    "headers": {{"authorization": "Bearer {key}", "content-type": "application/json",
                "host": "example.execute-api.test"}},
    "requestContext": {{"http": {{"method": "POST", "path": "/api/wonderblogs",
                                 "sourceIp": "192.0.2.1"}}, "requestId": "r1",
                       "stage": "$default"}},
}}
"""

_TIMED = """
import time
_started = time.perf_counter()
{handler}
{event}
_answer = handler(EVENT, {{}})
_took = (time.perf_counter() - _started) * 1000
print(_answer["statusCode"], _took)
"""

OURS = """
from mangum import Mangum
from starlette.applications import Starlette
from wonderblogs_target.asgi import create_wonderblogs_app

CONTEXT = {{
    "brand_identity": "Acme", "tone_of_voice": "Plain", "instructions": "Examples.",
    "content_focus": "Cloud spend", "recent_articles": [],
}}
wonderblogs = create_wonderblogs_app(
    api_key="{key}", get_context=CONTEXT, on_publish=lambda article: None
)
app = Starlette(routes=wonderblogs.routes("/api/wonderblogs"))
handler = Mangum(app, lifespan="off")
"""

PEER = """
import hmac
from typing import Optional

from mangum import Mangum
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


class Seo(BaseModel):
    meta_title: str = Field(alias="metaTitle", max_length=200)
    meta_description: str = Field(alias="metaDescription", max_length=500)


class Source(BaseModel):
    url: str = Field(max_length=2000)
    title: str = Field(max_length=500)


class Article(BaseModel):
    model_config = ConfigDict(extra="allow")
    slug: str = Field(max_length=200)
    locale: str = "en"
    title: str = Field(max_length=500)
    description: str
    content: str
    tags: list[str] = Field(max_length=20)
    seo: Seo
    cover_image_url: Optional[str] = Field(default=None, alias="coverImageUrl")
    sources: Optional[list[Source]] = Field(default=None, max_length=20)
    action: Optional[str] = None
    external_id: Optional[str] = Field(default=None, alias="externalId", max_length=500)


EXPECTED = b"Bearer {key}"


async def publish(request):
    if not hmac.compare_digest(request.headers.get("authorization", "").encode(), EXPECTED):
        return JSONResponse({{"error": "unauthorized"}}, status_code=401)
    try:
        Article.model_validate_json(await request.body())
    except ValidationError as exc:
        return JSONResponse({{"error": str(exc)}}, status_code=422)
    return JSONResponse({{"ok": True}})


app = Starlette(routes=[Route("/api/wonderblogs", publish, methods=["POST"])])
handler = Mangum(app, lifespan="off")
"""


def _first_answer(handler: str) -> float:
    event = _EVENT.format(body=payload_12k().decode(), key=KEY)
    code = _TIMED.format(handler=handler.format(key=KEY), event=event)
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=_ENV,
        cwd=ROOT,
    )  # fmt: skip
    status, took = done.stdout.split()
    assert status == "200", done.stdout + done.stderr
    return float(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    for handler in (OURS, PEER):
        _first_answer(handler)  # writes the bytecode caches
    ours = min(_first_answer(OURS) for _ in range(args.runs))
    peer = min(_first_answer(PEER) for _ in range(args.runs))
    verdict = "met" if ours <= 1.2 * peer else "not met"
    print(json.dumps({"ours_ms": round(ours, 1), "peer_ms": round(peer, 1)}))
    ratio = ours / peer
    print(f"first publish: ours {ours:.0f} ms, peer {peer:.0f} ms, {ratio:.2f}x (1.2x: {verdict})")


if __name__ == "__main__":
    main()
