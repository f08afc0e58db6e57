"""``[postgres]`` alone: the PostgreSQL store against a real server."""

from __future__ import annotations

from tests import samples
from tests.postgres import postgres_server
from wonderblogs_target import PublishPayload
from wonderblogs_target.stores import open_store


def test_the_postgres_store_saves_and_lists() -> None:
    with postgres_server() as url:
        store = open_store(url)
        try:
            saved = store.save(PublishPayload.model_validate(samples.PAYLOAD))
            again = store.save(PublishPayload.model_validate(samples.PAYLOAD))
            assert again.id == saved.id  # a re-push updates
            assert [a["title"] for a in store.recent_articles()] == [samples.PAYLOAD["title"]]
        finally:
            store.close()
