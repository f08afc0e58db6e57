"""STANDARD_WEBHOOKS_SCHEME against the standardwebhooks package from PyPI, in
both directions: what it signs we verify, what we sign it verifies; with key
rotation, several signatures in one header, and through a receiver."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timezone

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from wonderblogs_target import (
    STANDARD_WEBHOOKS_SCHEME,
    MissingHeaderError,
    SignatureMismatchError,
    WonderblogsCallbackReceiver,
    sign_payload,
    verify_signature,
)
from wonderblogs_target.http import Request

OLD = "whsec_" + base64.b64encode(b"the old secret, 32 bytes long!!").decode()
NEW = "whsec_" + base64.b64encode(b"the new secret, also 32 bytes!!").decode()
BODY = json.dumps({"event": "run.completed", "run_id": "run_sw", "post": {
    "title": "T", "slug": "t", "content": "c"}}).encode()  # fmt: skip


def peer_headers(secret: str, body: bytes = BODY, msg_id: str = "msg_1") -> dict[str, str]:
    now = datetime.now(timezone.utc)
    signature = Webhook(secret).sign(msg_id, now, body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def test_what_the_peer_signs_we_verify():
    verify_signature(BODY, peer_headers(NEW), NEW, scheme=STANDARD_WEBHOOKS_SCHEME)
    with pytest.raises(SignatureMismatchError):
        verify_signature(BODY + b" ", peer_headers(NEW), NEW, scheme=STANDARD_WEBHOOKS_SCHEME)


def test_what_we_sign_the_peer_verifies():
    headers = sign_payload(BODY, NEW, scheme=STANDARD_WEBHOOKS_SCHEME, message_id="msg_2")
    assert headers["webhook-id"] == "msg_2"
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(NEW).verify(BODY, headers) == json.loads(BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(OLD).verify(BODY, headers)
    fresh = sign_payload(BODY, NEW, scheme=STANDARD_WEBHOOKS_SCHEME)
    assert fresh["webhook-id"].startswith("msg_")  # an id of its own when none is given


def test_rotation_on_our_side_accepts_either_secret():
    for secret in (OLD, NEW):
        verify_signature(BODY, peer_headers(secret), [OLD, NEW], scheme=STANDARD_WEBHOOKS_SCHEME)


def test_several_signatures_in_one_header():
    """The sender rotating: one header carries a signature under each secret."""
    ours = peer_headers(NEW)
    theirs = peer_headers(OLD)["webhook-signature"]
    both = {**ours, "webhook-signature": f"{theirs} {ours['webhook-signature']} v2,ignored"}
    verify_signature(BODY, both, NEW, scheme=STANDARD_WEBHOOKS_SCHEME)
    verify_signature(BODY, both, OLD, scheme=STANDARD_WEBHOOKS_SCHEME)
    Webhook(NEW).verify(
        BODY, {**both, "webhook-signature": f"{theirs} {ours['webhook-signature']}"}
    )


def test_the_id_is_signed_and_required():
    headers = peer_headers(NEW, msg_id="msg_a")
    with pytest.raises(SignatureMismatchError):
        verify_signature(
            BODY, {**headers, "webhook-id": "msg_b"}, NEW, scheme=STANDARD_WEBHOOKS_SCHEME
        )
    del headers["webhook-id"]
    with pytest.raises(MissingHeaderError, match="webhook-id"):
        verify_signature(BODY, headers, NEW, scheme=STANDARD_WEBHOOKS_SCHEME)


def test_a_receiver_takes_the_scheme():
    events = []
    receiver = WonderblogsCallbackReceiver(
        api_key=NEW, on_event=events.append, scheme=STANDARD_WEBHOOKS_SCHEME
    )
    headers = {k.lower(): v for k, v in peer_headers(NEW).items()}
    assert receiver.handle(Request("POST", headers, BODY)).status == 200
    stale = {**headers, "webhook-timestamp": str(int(time.time()) - 3_600)}
    assert receiver.handle(Request("POST", stale, BODY)).status == 401
    assert [e.run_id for e in events] == ["run_sw"]
