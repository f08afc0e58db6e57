"""HMAC signatures of Wonderblogs callbacks: verify what arrives, sign for tests.

Wonderblogs signs the completion callbacks of its v1 API with the site's Target
API Key and sends ``X-Wonderblogs-Signature`` and ``X-Wonderblogs-Timestamp``.
The vendor does not publish the exact signed string, so this module assumes
the widespread scheme and makes it a visible, replaceable value
(`DEFAULT_SCHEME`):

* signed bytes: the timestamp header's text, ``.``, then the raw body;
* HMAC-SHA256 under the key's UTF-8 bytes;
* signature header ``sha256=<lowercase hex>``; timestamp in Unix seconds.

The verifier is lenient in form (a bare or upper-case digest, several
signatures separated by commas or spaces while the sender rotates keys) and
strict in substance: constant-time comparison, a time window in both
directions, and only the raw body bytes, never a re-serialised document.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .._keys import normalise_keys
from ..errors import (
    ConfigurationError,
    MalformedHeaderError,
    MissingHeaderError,
    SignatureMismatchError,
    SignatureVerificationError,
    TimestampTooNewError,
    TimestampTooOldError,
)
from ..http import HeaderLookup

__all__ = [
    "BODY_ONLY_SCHEME",
    "DEFAULT_SCHEME",
    "SIGNATURE_HEADER",
    "STANDARD_WEBHOOKS_SCHEME",
    "TIMESTAMP_HEADER",
    "MalformedHeaderError",
    "MissingHeaderError",
    "SignatureMismatchError",
    "SignatureScheme",
    "SignatureVerificationError",
    "TimestampTooNewError",
    "TimestampTooOldError",
    "check_tolerance",
    "sign_payload",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Wonderblogs-Signature"
TIMESTAMP_HEADER = "X-Wonderblogs-Timestamp"

# Bounds on what a header may hold, so hostile input costs bounded work.
_MAX_HEADER_LENGTH = 4_096
_MAX_SIGNATURES = 16
_MAX_TIMESTAMP_DIGITS = 12
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class SignatureScheme:
    """How the signature is made. Pass your own to
    [`verify_signature`][wonderblogs_target.callbacks.signing.verify_signature] if
    Wonderblogs documents a different scheme than the one assumed here."""

    signature_header: str = SIGNATURE_HEADER
    timestamp_header: str = TIMESTAMP_HEADER
    prefix: str = "sha256="
    #: False signs the body alone: no replay protection, so only on explicit request.
    sign_timestamp: bool = True
    #: A message id header whose value is signed too (``<id>.<timestamp>.<body>``).
    id_header: str | None = None
    #: How the digest is written: ``"hex"`` or ``"base64"``.
    encoding: Literal["hex", "base64"] = "hex"
    #: True when secrets are given as ``whsec_<base64>`` and mean the decoded bytes.
    whsec_secrets: bool = False

    def signed_bytes(self, timestamp: str, body: bytes, message_id: str = "") -> bytes:
        if not self.sign_timestamp:
            return body
        stamp = timestamp.encode("ascii") + b"." + body
        return message_id.encode("utf-8") + b"." + stamp if self.id_header else stamp

    def key(self, secret: str) -> bytes:
        """The HMAC key a secret stands for."""
        if not self.whsec_secrets:
            return secret.encode("utf-8")
        encoded = secret.removeprefix("whsec_")
        try:
            # Unpadded base64 is common in these secrets: padding is added back.
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigurationError("a whsec_ secret must be base64 after its prefix") from None
        if not key:
            raise ConfigurationError("the whsec_ secret is empty")
        return key

    def encode(self, digest: bytes) -> str:
        return self.prefix + (
            base64.b64encode(digest).decode() if self.encoding == "base64" else digest.hex()
        )


DEFAULT_SCHEME = SignatureScheme()
BODY_ONLY_SCHEME = SignatureScheme(sign_timestamp=False)
#: Standard Webhooks (standardwebhooks.com), as Svix and others send it: headers
#: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``, signatures
#: ``v1,<base64>`` over ``<id>.<timestamp>.<body>``, secrets ``whsec_<base64>``.
STANDARD_WEBHOOKS_SCHEME = SignatureScheme(
    signature_header="webhook-signature",
    timestamp_header="webhook-timestamp",
    id_header="webhook-id",
    prefix="v1,",
    encoding="base64",
    whsec_secrets=True,
)


def _raw_body(body: object) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    raise TypeError(
        f"pass the raw request body as bytes, not {type(body).__name__}: a signature "
        "covers the exact bytes received, and parsed or re-encoded JSON differs from them"
    )


def _secrets(secret: str | Sequence[str], scheme: SignatureScheme) -> list[bytes]:
    if isinstance(secret, str) and secret and secret == secret.strip():
        return [scheme.key(secret)]  # the common case, checked without the loop
    keys = normalise_keys(secret)
    if not keys:
        raise ConfigurationError("no signing secret given")
    return [scheme.key(key) for key in keys]


def check_tolerance(tolerance: float | None) -> None:
    """Refuse a time window that would reject everything (0, negative, NaN)."""
    # "not > 0" also catches NaN, which compares false with everything.
    if tolerance is not None and not tolerance > 0:
        raise ConfigurationError("tolerance must be a positive number of seconds, or None")


def _header(headers: HeaderLookup | Mapping[str, Any], name: str) -> str | None:
    """Case-insensitive lookup that works on plain dicts and on every framework's
    header object; bytes values (raw ASGI) are read as Latin-1."""
    value = headers.get(name)
    if type(value) is str:
        return value
    if value is None:
        value = headers.get(name.lower())
    if value is None and isinstance(headers, Mapping):
        lname = name.lower()
        for key in headers:
            key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            if key_text.lower() == lname:
                value = headers[key]
                break
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("latin-1")
    if value is not None and not isinstance(value, str):
        raise MalformedHeaderError(f"{name} header is not text")
    return value


def _digest(key: bytes, message: bytes) -> bytes:
    # The one-shot C implementation: no Python HMAC object per check.
    return hmac.digest(key, message, "sha256")


def sign_payload(
    body: bytes,
    secret: str,
    *,
    timestamp: int | None = None,
    scheme: SignatureScheme = DEFAULT_SCHEME,
    message_id: str | None = None,
) -> dict[str, str]:
    """The signature headers for ``body``, as Wonderblogs would send them (assumed
    scheme), or as ``scheme`` says; a scheme with an id header gets ``message_id``
    (a fresh one by default).

    For tests and local tools: ``httpx.post(url, content=body, headers=sign_payload(body, key))``.
    """
    raw = _raw_body(body)
    if not isinstance(secret, str):
        raise ConfigurationError(
            "sign_payload takes one secret (a str); a list is for verify_signature, "
            "which accepts any of several during a rotation"
        )
    if not isinstance(scheme, SignatureScheme):
        raise ConfigurationError(f"scheme must be a SignatureScheme, got {scheme!r}")
    [key] = _secrets(secret, scheme)
    if timestamp is None:
        timestamp = int(time.time())
    # Exactly an int: int() would turn 1.9 into 1, True into 1 and " 12 " into 12,
    # and fail with its own errors on "abc", nan or inf.
    stamp = str(timestamp)
    if type(timestamp) is not int or not stamp.isdigit() or len(stamp) > _MAX_TIMESTAMP_DIGITS:
        raise ConfigurationError(
            f"timestamp must be Unix seconds: a whole number (an int) from 0 to "
            f"{10**_MAX_TIMESTAMP_DIGITS - 1}, got {timestamp!r}"
        )
    ident = message_id or f"msg_{secrets.token_hex(12)}"
    digest = _digest(key, scheme.signed_bytes(stamp, raw, ident))
    headers = {scheme.signature_header: scheme.encode(digest), scheme.timestamp_header: stamp}
    if scheme.id_header:
        headers[scheme.id_header] = ident
    return headers


def _base64_digests(header: str, scheme: SignatureScheme) -> list[bytes]:
    """``v1,<base64> v1,<base64>``: space-separated (a comma is part of each)."""
    tokens = header.split()
    if len(tokens) > _MAX_SIGNATURES:
        raise MalformedHeaderError(f"{scheme.signature_header} header has too many signatures")
    digests = []
    for token in tokens:
        if not token.startswith(scheme.prefix):
            continue  # another version of the scheme: not ours to judge
        try:
            digest = base64.b64decode(token[len(scheme.prefix) :], validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(digest) == 32:
            digests.append(digest)
    if not digests:
        raise MalformedHeaderError(
            f"{scheme.signature_header} header holds no {scheme.prefix}<base64> signature"
        )
    return digests


def _presented_digests(header: str, scheme: SignatureScheme) -> list[bytes]:
    prefix_length = len(scheme.prefix)
    if len(header) == prefix_length + 64 and header.startswith(scheme.prefix):
        # The common case, one well-formed signature, without the general parse
        # (fromhex refuses anything but hex digits and spaces; then the general
        # parse below decides).
        try:
            digest = bytes.fromhex(header[prefix_length:])
        except ValueError:
            pass
        else:
            if len(digest) == 32 and scheme.encoding == "hex":
                return [digest]
    if len(header) > _MAX_HEADER_LENGTH or not header.isascii():
        raise MalformedHeaderError(f"{scheme.signature_header} header is malformed")
    if scheme.encoding == "base64":
        return _base64_digests(header, scheme)
    tokens = [t for t in _SEPARATORS.split(header.strip()) if t]
    if len(tokens) > _MAX_SIGNATURES:
        raise MalformedHeaderError(f"{scheme.signature_header} header has too many signatures")
    digests = []
    prefix = scheme.prefix.lower()
    for token in tokens:
        if prefix and token.lower().startswith(prefix):
            token = token[len(prefix) :]
        if _HEX_DIGEST.fullmatch(token):
            digests.append(bytes.fromhex(token))
    if not digests:
        raise MalformedHeaderError(
            f"{scheme.signature_header} header holds no {scheme.prefix}<hex> signature"
        )
    return digests


def verify_signature(
    body: bytes,
    headers: HeaderLookup | Mapping[str, Any],
    secret: str | Sequence[str],
    *,
    tolerance: float | None = 300,
    now: float | None = None,
    scheme: SignatureScheme = DEFAULT_SCHEME,
) -> None:
    """Return None when ``body`` and ``headers`` are an authentic, fresh callback;
    raise a [`SignatureVerificationError`][wonderblogs_target.errors.SignatureVerificationError]
    subclass saying why not otherwise.

    ``secret`` may list several keys (while the site rotates its key).
    ``tolerance`` is how many seconds the timestamp may differ from ``now``, in
    the past or the future; ``None`` turns the time check off. ``now`` defaults
    to the clock and exists for tests.
    """
    raw = body if type(body) is bytes else _raw_body(body)
    keys = _secrets(secret, scheme)
    check_tolerance(tolerance)
    try:
        signature = _header(headers, scheme.signature_header)
        timestamp = _header(headers, scheme.timestamp_header)
        message_id = _header(headers, scheme.id_header) if scheme.id_header else ""
    except SignatureVerificationError:
        raise
    except Exception as exc:  # an exotic header object: still a verification failure
        raise MalformedHeaderError("request headers could not be read") from exc
    if not signature or signature.isspace():
        raise MissingHeaderError(f"missing {scheme.signature_header} header")
    stamp = ""
    if scheme.sign_timestamp:
        if not timestamp or timestamp.isspace():
            raise MissingHeaderError(f"missing {scheme.timestamp_header} header")
        stamp = timestamp.strip()
        if not (stamp.isdigit() and stamp.isascii() and len(stamp) <= _MAX_TIMESTAMP_DIGITS):
            raise MalformedHeaderError(
                f"{scheme.timestamp_header} header must be Unix seconds (digits only)"
            )
    if scheme.id_header and (not message_id or message_id.isspace()):
        raise MissingHeaderError(f"missing {scheme.id_header} header")
    presented = _presented_digests(signature, scheme)

    message = scheme.signed_bytes(stamp, raw, (message_id or "").strip())
    matched = False
    for key in keys:
        expected = hmac.digest(key, message, "sha256")
        for candidate in presented:  # no early exit: timing does not tell which matched
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureMismatchError("signature does not match the body")

    if scheme.sign_timestamp and tolerance is not None:
        age = (time.time() if now is None else now) - int(stamp)
        if age > tolerance:
            raise TimestampTooOldError(
                f"timestamp is {age:.0f} s old, beyond the {tolerance:g} s tolerance"
            )
        if -age > tolerance:
            raise TimestampTooNewError(
                f"timestamp is {-age:.0f} s in the future, beyond the {tolerance:g} s tolerance"
            )
