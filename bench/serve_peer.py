"""The hand-written peer of ``wonderblogs-target serve``: what a developer
would write with Starlette for the same two operations, doing the same work.

* the same bearer check (``hmac.compare_digest`` on the ``Authorization``
  header, 401 otherwise);
* POST: the body validated by the same ``PublishPayload`` model, and an upsert
  into the same tables (``wb_posts``, ``wb_revisions``: the package's own DDL,
  so the tables and indexes are identical) in one transaction, the previous
  version kept as a revision; SQLite in WAL mode with full syncs and foreign
  keys on, as the store opens it;
* GET: the same fixed context, with the 50 newest titles and descriptions
  read in one query of the two columns;
* the database work in Starlette's thread pool, one connection per thread.

What it leaves out is what ``serve`` adds on purpose: the request log record,
the Host check, metrics, revision retention, the inbox, the delivery log.

    python -m uvicorn bench.serve_peer:app --factory --http h11 --port 8001

with ``PEER_STORE`` (``sqlite:///file.db`` or ``postgresql://...``) and
``PEER_KEY`` in the environment.
"""

from __future__ import annotations

import hmac
import json
import os
import sqlite3
import threading
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.common import fixed_context
from wonderblogs_target.models import PublishPayload

_local = threading.local()


def _sqlite(path: str) -> sqlite3.Connection:
    from wonderblogs_target.stores.sqlite import SCHEMA

    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.executescript(SCHEMA)
    return db


def _postgres(url: str) -> Any:
    import psycopg

    from wonderblogs_target.stores.postgres import SCHEMA

    db = psycopg.connect(url, autocommit=True)
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(1)")
        db.execute(SCHEMA)
    return db


def _connection() -> tuple[Any, bool]:
    """This thread's connection, and whether it is PostgreSQL."""
    url = os.environ["PEER_STORE"]
    postgres = url.startswith("postgres")
    db = getattr(_local, "db", None)
    if db is None:
        db = _postgres(url) if postgres else _sqlite(url.split(":///", 1)[1])
        _local.db = db
    return db, postgres


def _save(payload: PublishPayload, document: str) -> None:
    db, postgres = _connection()
    mark = "%s" if postgres else "?"
    now = datetime.now(timezone.utc)
    stamp: Any = now if postgres else now.isoformat()
    if postgres:
        transaction = db.transaction()
        transaction.__enter__()
    else:
        db.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute(
            f"SELECT id, payload, revision FROM wb_posts WHERE slug = {mark} AND locale = {mark}"
            + (" FOR UPDATE" if postgres else ""),
            (payload.slug, payload.locale),
        ).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO wb_posts (slug, locale, external_id, title, payload, published_at, "
                f"updated_at) VALUES ({', '.join([mark] * 7)})",
                (payload.slug, payload.locale, payload.external_id, payload.title, document,
                 stamp, stamp),
            )  # fmt: skip
        else:
            ident, previous, revision = row
            previous = json.dumps(previous) if postgres else previous
            db.execute(
                "INSERT INTO wb_revisions (post_id, revision, payload, saved_at) "
                f"VALUES ({mark}, {mark}, {mark}, {mark})",
                (ident, revision, previous, stamp),
            )
            db.execute(
                f"UPDATE wb_posts SET title = {mark}, payload = {mark}, updated_at = {mark}, "
                f"revision = revision + 1 WHERE id = {mark}",
                (payload.title, document, stamp, ident),
            )
    except BaseException:
        if postgres:
            transaction.__exit__(*__import__("sys").exc_info())
        else:
            db.execute("ROLLBACK")
        raise
    if postgres:
        transaction.__exit__(None, None, None)
    else:
        db.execute("COMMIT")


def _recent() -> list[dict[str, str]]:
    db, postgres = _connection()
    description = (
        "payload->>'description'" if postgres else "json_extract(payload, '$.description')"
    )
    rows = db.execute(
        f"SELECT title, {description} FROM wb_posts ORDER BY published_at DESC, id DESC LIMIT 50"
    ).fetchall()
    return [{"title": title, "summary": summary} for title, summary in rows]


def app() -> Starlette:
    key = os.environ["PEER_KEY"]
    expected = f"Bearer {key}".encode()
    context = fixed_context()

    async def endpoint(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return JSONResponse({"error": "Missing or invalid API key"}, status_code=401)
        if request.method == "GET":
            recent = await run_in_threadpool(_recent)
            return JSONResponse({**context, "recent_articles": recent})
        body = await request.body()
        try:
            payload = PublishPayload.model_validate_json(body)
        except ValidationError as exc:
            return JSONResponse({"error": "Invalid publish payload", "details": exc.errors(
                include_input=False, include_url=False)}, status_code=422)  # fmt: skip
        await run_in_threadpool(_save, payload, payload.model_dump_json(exclude_none=True))
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/api/wonderblogs", endpoint, methods=["GET", "POST"])])
