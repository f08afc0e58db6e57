"""``wonderblogs-target verify``: names the scheme a captured callback verifies
under, or the likely cause when none does; never prints the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import datetime, timezone

import pytest
from standardwebhooks import Webhook

from wonderblogs_target import BODY_ONLY_SCHEME, sign_payload
from wonderblogs_target.cli import main

SECRET = "diagnose-secret-123"
BODY = json.dumps({"event": "run.failed", "run_id": "run_d", "error": "x"}, separators=(",", ":"))


def verify(tmp_path, capsys, body: str | bytes, headers: dict[str, str], *extra: str):
    path = tmp_path / "body.json"
    path.write_bytes(body.encode() if isinstance(body, str) else body)
    args = ["verify", "--body", str(path), *extra]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    if "--secret" not in extra:
        args += ["--secret", SECRET]
    code = main(args)
    out = capsys.readouterr().out
    assert SECRET not in out
    return code, out


def digest(message: bytes, key: bytes = SECRET.encode()) -> bytes:
    return hmac.digest(key, message, hashlib.sha256)


def test_the_default_scheme(tmp_path, capsys):
    code, out = verify(tmp_path, capsys, BODY, sign_payload(BODY.encode(), SECRET))
    assert code == 0
    assert out.startswith("verified: HMAC-SHA256 over <timestamp>.<body> (the Wonderblogs default)")
    assert "written in hex" in out


def test_the_body_alone(tmp_path, capsys):
    headers = sign_payload(BODY.encode(), SECRET, scheme=BODY_ONLY_SCHEME)
    code, out = verify(tmp_path, capsys, BODY, headers)
    assert code == 0
    assert "over the body alone" in out


def test_standard_webhooks(tmp_path, capsys):
    secret = "whsec_" + base64.b64encode(b"a standard webhooks secret 32b!!").decode()
    now = datetime.now(timezone.utc)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg_1", now, BODY),
    }
    code, out = verify(tmp_path, capsys, BODY, headers, "--secret", secret)
    assert code == 0
    assert "<id>.<timestamp>.<body> (Standard Webhooks)" in out
    assert "base64, with the secret as whsec_ base64" in out
    assert secret not in out


def test_base64_with_a_sha256_prefix_and_milliseconds(tmp_path, capsys):
    stamp = str(int(time.time() * 1000))
    signature = base64.b64encode(digest(f"{stamp}.{BODY}".encode())).decode()
    headers = {"X-Signature": f"sha256={signature}", "X-Timestamp": stamp}
    code, out = verify(tmp_path, capsys, BODY, headers)
    assert code == 0
    assert "written in base64" in out
    assert "timestamp in milliseconds" in out


def test_a_stale_timestamp_is_named(tmp_path, capsys):
    headers = sign_payload(BODY.encode(), SECRET, timestamp=int(time.time()) - 7_200)
    code, out = verify(tmp_path, capsys, BODY, headers)
    assert code == 1
    assert "the signature matches" in out
    # 7,200 s, or a second more when the clock ticks between signing and checking
    assert re.search(r"7,20[01] s old, beyond the 300 s tolerance", out)


def test_a_re_encoded_body_is_named(tmp_path, capsys):
    headers = sign_payload(BODY.encode(), SECRET)
    pretty = json.dumps(json.loads(BODY), indent=2)
    code, out = verify(tmp_path, capsys, pretty, headers)
    assert code == 1
    assert "the body was re-encoded" in out


def test_a_wrong_secret_is_the_likely_cause(tmp_path, capsys):
    headers = sign_payload(BODY.encode(), "another-secret")
    code, out = verify(tmp_path, capsys, BODY, headers)
    assert code == 1
    assert "most likely the wrong secret" in out
    assert "checked:" in out
    assert "another-secret" not in out


def test_a_raw_request_as_a_proxy_captured_it(tmp_path, capsys):
    headers = sign_payload(BODY.encode(), SECRET)
    raw = (
        "POST /webhooks/wonderblogs HTTP/1.1\r\nHost: site.example\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        + f"Content-Length: {len(BODY)}\r\n\r\n{BODY}"
    )
    path = tmp_path / "request.http"
    path.write_text(raw)
    code = main(["verify", "--request", str(path), "--secret", SECRET])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("verified:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "--body", "x.json"], "no secret"),
        (["verify", "--body", "x.json", "--secret", "s", "--header", "nocolon"], "--header"),
        (["verify", "--secret", "s"], "one of the arguments --body --request is required"),
    ],
)
def test_usage_errors_exit_2(args, message, monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("WONDERBLOGS_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(SystemExit) as caught:
        main(args)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err
