"""``[redis]`` alone: a receiver with a Redis replay guard runs a redelivered event once."""

from __future__ import annotations

import json

from tests.redis_server import redis_server
from wonderblogs_target import Request, WonderblogsCallbackReceiver, sign_payload

KEY = "redis-extra-key"
EVENT = {"event": "run.failed", "run_id": "run_1", "status": "failed", "error": "quota"}


def test_a_redelivered_event_runs_once_across_receivers() -> None:
    body = json.dumps(EVENT).encode()
    with redis_server() as url:
        seen: list[object] = []
        # Two receivers, as two workers would have, sharing one guard store.
        workers = [
            WonderblogsCallbackReceiver(api_key=KEY, on_event=seen.append, replay_guard=url)
            for _ in range(2)
        ]
        statuses = [
            worker.handle(Request("POST", sign_payload(body, KEY), body)).status
            for worker in workers
        ]
    assert statuses == [200, 200]  # the redelivery is acknowledged, not run again
    assert len(seen) == 1
