"""Signature verification of a 12 KB body: ``verify_signature`` (header
parsing, time window, rotation-ready) against the bare minimum, one
``hmac.new(...).digest()`` and a ``compare_digest``.

    python -m bench.signature
"""

from __future__ import annotations

import hashlib
import hmac

from bench.common import microseconds_per_call, payload_12k
from wonderblogs_target import sign_payload, verify_signature

SECRET = "bench-signing-secret"


def main() -> None:
    body = payload_12k()
    headers = sign_payload(body, SECRET, timestamp=1_700_000_000)
    now = 1_700_000_010.0
    key = SECRET.encode()
    stamp = headers["X-Wonderblogs-Timestamp"].encode()
    expected = bytes.fromhex(headers["X-Wonderblogs-Signature"].removeprefix("sha256="))

    def bare() -> None:
        digest = hmac.new(key, stamp + b"." + body, hashlib.sha256).digest()
        assert hmac.compare_digest(digest, expected)

    def ours() -> None:
        verify_signature(body, headers, SECRET, now=now)

    results = microseconds_per_call({"ours": ours, "bare": bare}, calls=5_000)
    mine, peer = results["ours"], results["bare"]
    print("### Signature verification of a 12 KB body\n")
    print("| contender | µs per check | ratio |\n|---|---:|---:|")
    print(f"| verify_signature (ours) | {mine:.1f} | {mine / peer:.2f}x |")
    print(f"| bare hmac.new().digest() + compare_digest | {peer:.1f} | 1.00x |")


if __name__ == "__main__":
    main()
