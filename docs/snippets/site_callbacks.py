"""The two callbacks every adapter takes, over the site's own table of posts
(SQLite here; any database works the same way)."""

import sqlite3

from wonderblogs_target import PublishPayload, PublishRejected

db = sqlite3.connect("site.db", check_same_thread=False)
db.execute(
    "CREATE TABLE IF NOT EXISTS posts (slug TEXT, locale TEXT, external_id TEXT, title TEXT,"
    " summary TEXT, body TEXT, PRIMARY KEY (slug, locale))"
)


def get_context() -> dict:
    latest = db.execute("SELECT title, summary FROM posts ORDER BY rowid DESC LIMIT 50")
    return {
        "brand_identity": "Acme builds deployment tooling for small platform teams.",
        "tone_of_voice": "Plain, precise, no hype.",
        "instructions": "One runnable example per article.",
        "content_focus": "Cutting cloud spend",  # null or "" skips scheduled runs
        "recent_articles": [{"title": t, "summary": s} for t, s in latest],
    }


def on_publish(article: PublishPayload) -> None:
    row = (article.title, article.description, article.content)
    with db:
        if article.is_update:  # a rewrite: action == "update", found by its externalId
            found = db.execute(
                "UPDATE posts SET slug = ?, title = ?, summary = ?, body = ? WHERE external_id = ?",
                (article.slug, *row, article.external_id),
            )
            if found.rowcount:
                return
        taken = db.execute(
            "SELECT external_id FROM posts WHERE slug = ? AND locale = ?",
            (article.slug, article.locale),
        ).fetchone()
        if taken and article.external_id and taken[0] not in (None, article.external_id):
            raise PublishRejected("slug already taken by another post", status_code=409)
        db.execute(
            "INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?)",
            (article.slug, article.locale, article.external_id, *row),
        )
