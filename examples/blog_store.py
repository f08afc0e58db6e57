"""A tiny SQLite store shared by the example apps (standard library only).

Published articles are kept by (slug, locale); a re-push replaces the row, and a
rewrite (``action == "update"``) finds its post by ``externalId`` first. The
context document lists the newest posts as ``recent_articles``, which is how
Wonderblogs avoids writing the same article twice.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from contextlib import closing
from datetime import datetime, timezone
from typing import Any

from wonderblogs_target import PublishPayload

SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    slug TEXT NOT NULL,
    locale TEXT NOT NULL,
    external_id TEXT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    content TEXT NOT NULL,
    payload TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (slug, locale)
)
"""

BRAND = {
    "brand_identity": "Example Co. writes about running small web services well.",
    "tone_of_voice": "Friendly and direct; short sentences; no buzzwords.",
    "instructions": "Include one concrete example per article.",
    "content_focus": "Keeping small Python services fast and boring",
}


class BlogStore:
    def __init__(self, path: str | None = None) -> None:
        self.path = path or os.environ.get("WONDERBLOGS_DB", "wonderblogs-example.db")
        with closing(self._connect()) as db, db:
            db.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def save(self, payload: PublishPayload) -> None:
        now = datetime.now(timezone.utc).isoformat()
        row = {
            "slug": payload.slug,
            "locale": payload.locale,
            "external_id": payload.external_id,
            "title": payload.title,
            "description": payload.description,
            "content": payload.content,
            "payload": payload.model_dump_json(exclude_none=True),
            "published_at": now,
        }
        with closing(self._connect()) as db, db:
            if payload.is_update and payload.external_id:
                db.execute("DELETE FROM posts WHERE external_id = ?", (payload.external_id,))
            db.execute(
                "INSERT OR REPLACE INTO posts VALUES (:slug, :locale, :external_id, :title,"
                " :description, :content, :payload, :published_at)",
                row,
            )

    def recent_articles(self, limit: int = 50) -> list[dict[str, str]]:
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT title, description FROM posts ORDER BY published_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [{"title": title, "summary": summary[:2000]} for title, summary in rows]

    def context(self) -> dict[str, Any]:
        return {**BRAND, "recent_articles": self.recent_articles()}

    def get(self, slug: str, locale: str = "en") -> dict[str, Any] | None:
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT payload FROM posts WHERE slug = ? AND locale = ?", (slug, locale)
            ).fetchone()
        return json.loads(row[0]) if row else None


def api_key() -> str:
    """The key from the environment, or one line saying what to set (not a
    KeyError traceback)."""
    key = os.environ.get("WONDERBLOGS_API_KEY")
    if not key:
        raise SystemExit(
            "Set WONDERBLOGS_API_KEY to the Target Authentication Key, "
            f"e.g. WONDERBLOGS_API_KEY=dev-key python {sys.argv[0]}"
        )
    return key


def listen_address() -> tuple[str, int]:
    return os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8000"))
