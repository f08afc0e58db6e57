import os
import sqlite3
from collections.abc import Iterator

from fastapi import Depends, FastAPI
from site_callbacks import get_context

from wonderblogs_target import PublishPayload
from wonderblogs_target.fastapi import create_wonderblogs_router

KEY = os.environ["WONDERBLOGS_API_KEY"]


def get_db() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect("site.db")
    try:
        yield db
    finally:
        db.close()


# --8<-- [start:depends]
def on_publish(article: PublishPayload, db: sqlite3.Connection = Depends(get_db)) -> None:
    with db:
        db.execute(
            "INSERT OR REPLACE INTO posts (slug, locale, title, summary, body)"
            " VALUES (?, ?, ?, ?, ?)",
            (article.slug, article.locale, article.title, article.description, article.content),
        )


# --8<-- [end:depends]


app = FastAPI()
app.include_router(
    create_wonderblogs_router(api_key=KEY, get_context=get_context, on_publish=on_publish),
    prefix="/api/wonderblogs",
)
