import os
import sqlite3

from fastapi import FastAPI

from wonderblogs_target import CallbackEvent, RunCompletedEvent
from wonderblogs_target.fastapi import create_wonderblogs_callback_router

KEY = os.environ["WONDERBLOGS_API_KEY"]
db = sqlite3.connect("drafts.db", check_same_thread=False)
db.execute("CREATE TABLE IF NOT EXISTS drafts (run_id TEXT PRIMARY KEY, title TEXT, body TEXT)")
app = FastAPI()


# --8<-- [start:receiver]
def on_event(event: CallbackEvent) -> None:
    if isinstance(event, RunCompletedEvent):
        # Keyed on the run: a retried delivery of the same event changes nothing.
        with db:
            db.execute(
                "INSERT INTO drafts (run_id, title, body) VALUES (?, ?, ?)"
                " ON CONFLICT (run_id) DO NOTHING",
                (event.run_id, event.post.title, event.post.content),
            )


app.include_router(
    create_wonderblogs_callback_router(api_key=KEY, on_event=on_event),
    prefix="/webhooks/wonderblogs",
)
# --8<-- [end:receiver]
