"""Why does a signature not verify? ``wonderblogs-target verify`` asks this module.

It tries every signing scheme in common use on the captured request, the way a
person would by hand: the signed string (``<timestamp>.<body>``,
``<id>.<timestamp>.<body>`` as Standard Webhooks signs, or the body alone), the
digest written in hex or base64, with or without a ``sha256=`` or ``v1,``
prefix, the secret as text or as ``whsec_`` base64, timestamps in seconds or
milliseconds. The answer names the scheme that verifies, or the likely cause:
a stale timestamp, a body re-encoded on its way, or a wrong secret. The secret
itself never appears in an answer.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from ..errors import ConfigurationError
from .signing import BODY_ONLY_SCHEME, DEFAULT_SCHEME, STANDARD_WEBHOOKS_SCHEME

__all__ = ["Diagnosis", "diagnose_signature"]

SIGNATURE_HEADERS = (
    "x-wonderblogs-signature",
    "webhook-signature",
    "x-signature",
    "x-hub-signature-256",
    "signature",
)
TIMESTAMP_HEADERS = ("x-wonderblogs-timestamp", "webhook-timestamp", "x-timestamp", "timestamp")
ID_HEADERS = ("webhook-id", "x-webhook-id")

_HEX = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{43}=")


@dataclass
class Diagnosis:
    verified: bool
    message: str
    #: What was tried, one line each, for the person reading the answer.
    checked: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if self.verified else 1


def _first(headers: Mapping[str, str], names: tuple[str, ...]) -> tuple[str, str] | None:
    for name in names:
        if headers.get(name):
            return name, headers[name].strip()
    return None


def _presented(signature: str) -> list[tuple[str, bytes]]:
    """Every digest in the header: (encoding, bytes)."""
    found = [("hex", bytes.fromhex(match)) for match in _HEX.findall(signature)]
    for match in _BASE64.findall(signature):
        try:
            found.append(("base64", base64.b64decode(match, validate=True)))
        except (binascii.Error, ValueError):
            continue
    return found


def _keys(secret: str) -> Iterator[tuple[str, bytes]]:
    yield "the secret as text", secret.encode("utf-8")
    if secret.startswith("whsec_"):
        try:
            key = STANDARD_WEBHOOKS_SCHEME.key(secret)
        except ConfigurationError:
            return  # not base64 after all: the text form above is all there is
        yield "the secret as whsec_ base64", key


def _forms(body: bytes, stamp: str | None, ident: str | None) -> Iterator[tuple[str, bytes]]:
    """Each signed string a known scheme would have signed: built by the
    schemes themselves, so a scheme's rule is written once (in `signing`)."""
    if ident and stamp:
        standard = STANDARD_WEBHOOKS_SCHEME.signed_bytes(stamp, body, ident)
        yield "<id>.<timestamp>.<body> (Standard Webhooks)", standard
    if stamp:
        yield (
            "<timestamp>.<body> (the Wonderblogs default)",
            DEFAULT_SCHEME.signed_bytes(stamp, body),
        )
    yield "the body alone", BODY_ONLY_SCHEME.signed_bytes(stamp or "", body)


def _match(
    body: bytes,
    presented: list[tuple[str, bytes]],
    secret: str,
    stamp: str | None,
    ident: str | None,
) -> str | None:
    for key_name, key in _keys(secret):
        for form_name, message in _forms(body, stamp, ident):
            digest = hmac.digest(key, message, "sha256")
            for encoding, candidate in presented:
                if hmac.compare_digest(digest, candidate):
                    return f"HMAC-SHA256 over {form_name}, written in {encoding}, with {key_name}"
    return None


def _reencodings(body: bytes) -> Iterator[bytes]:
    """The body as common JSON libraries would write it again."""
    try:
        document = json.loads(body)
    except ValueError:
        return
    for options in (
        {"separators": (",", ":")},
        {},
        {"separators": (",", ":"), "ensure_ascii": False},
        {"ensure_ascii": False},
        {"sort_keys": True, "separators": (",", ":")},
        {"sort_keys": True},
        {"indent": 2},
    ):
        again = json.dumps(document, **options).encode()
        if again != body:
            yield again


def _age(stamp: str, now: float) -> tuple[float, str]:
    value = int(stamp)
    if len(stamp) >= 13:  # milliseconds
        return now - value / 1000, "milliseconds"
    return now - value, "seconds"


def diagnose_signature(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: float = 300,
    now: float | None = None,
) -> Diagnosis:
    """Which scheme ``body`` and ``headers`` verify under with ``secret``, or why none."""
    headers = {name.lower(): value for name, value in headers.items()}
    now = time.time() if now is None else now
    signature = _first(headers, SIGNATURE_HEADERS)
    if signature is None:
        return Diagnosis(False, "no signature header: looked for " + ", ".join(SIGNATURE_HEADERS))
    timestamp = _first(headers, TIMESTAMP_HEADERS)
    ident = _first(headers, ID_HEADERS)
    stamp = timestamp[1] if timestamp and timestamp[1].isdigit() else None
    checked = [
        f"signature header: {signature[0]}",
        f"timestamp header: {timestamp[0] if timestamp else 'none'}",
        f"id header: {ident[0] if ident else 'none'}",
        "signed strings: <id>.<timestamp>.<body>, <timestamp>.<body>, the body alone",
        "digests: hex and base64, with or without a sha256= or v1, prefix",
        "secret: as text" + (", and as whsec_ base64" if secret.startswith("whsec_") else ""),
    ]
    presented = _presented(signature[1])
    if not presented:
        return Diagnosis(
            False,
            f"{signature[0]} holds no SHA-256 digest in hex or base64: is it the signature?",
            checked,
        )
    found = _match(body, presented, secret, stamp, ident[1] if ident else None)
    if found is None:
        for again in _reencodings(body):
            if _match(again, presented, secret, stamp, ident[1] if ident else None):
                return Diagnosis(
                    False,
                    "the body was re-encoded on its way: the signature matches the same JSON "
                    "written differently. Verify the raw bytes as received, never parsed JSON.",
                    checked,
                )
        return Diagnosis(
            False,
            "no scheme verifies: most likely the wrong secret (or the body was changed)",
            checked,
        )
    if stamp is None or "timestamp" not in found:
        return Diagnosis(True, f"verified: {found}", checked)
    age, unit = _age(stamp, now)
    if abs(age) > tolerance:
        when = f"{age:,.0f} s old" if age > 0 else f"{-age:,.0f} s in the future"
        return Diagnosis(
            False,
            f"the signature matches ({found}), but the timestamp ({unit}) is {when}, "
            f"beyond the {tolerance:g} s tolerance: a replay, or clocks far apart",
            checked,
        )
    return Diagnosis(True, f"verified: {found}; timestamp in {unit}, {age:,.0f} s old", checked)
