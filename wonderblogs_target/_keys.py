"""Shared secrets: the one bearer-token parser and the one key comparison.

Every place that accepts a key (the target, the callback receiver, the
``serve`` inbox, the v1 emulator, the signer) goes through these, so a rule
such as "whitespace around a key can never match" exists once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from typing import TypeAlias

from .errors import ConfigurationError

__all__ = ["ApiKey", "KeyRing", "KeySource", "bearer_token", "first_key", "normalise_keys"]

KeySource: TypeAlias = "str | Sequence[str]"
ApiKey: TypeAlias = "KeySource | Callable[[], KeySource | None] | None"


def normalise_keys(keys: KeySource | None) -> tuple[str, ...]:
    """Keys as a tuple, refusing the values that could never match a request."""
    if keys is None:
        return ()
    candidates = (keys,) if isinstance(keys, str) else tuple(keys)
    for key in candidates:
        if not isinstance(key, str) or not key:
            raise ConfigurationError("each API key must be a non-empty string")
        if key != key.strip():
            raise ConfigurationError(
                "an API key has leading or trailing whitespace and could never match"
            )
    return candidates


def first_key(source: ApiKey) -> str | None:
    """The key a tool should present: the only one, the first during a
    rotation, or what a callable gives now."""
    keys = source() if callable(source) else source
    if keys is None or isinstance(keys, str):
        return keys or None
    return next(iter(keys), None)


def bearer_token(authorization: str | None) -> bytes | None:
    """The token of an ``Authorization: Bearer <token>`` header, as the bytes the
    client sent, or None when the header holds no bearer token.

    The scheme is case-insensitive (RFC 7235). Frameworks decode header bytes as
    Latin-1, so encoding back to Latin-1 recovers the original bytes.
    """
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return token.encode("latin-1")
    except UnicodeEncodeError:  # a str that never came off the wire
        return token.encode("utf-8", "replace")


def _digest(secret: bytes) -> bytes:
    # Comparing fixed-length digests keeps the comparison constant-time even when
    # the presented token and the key differ in length.
    return hashlib.sha256(secret).digest()


class KeyRing:
    """The shared secret(s) of an endpoint: fixed, or read from a callable per request.

    A callable is called on every request (so a key changed in app config takes
    effect at once), but its answer is validated and hashed again only when it
    differs from the previous one: reading config per request costs one
    comparison.
    """

    def __init__(self, api_key: ApiKey) -> None:
        self._provider: Callable[[], KeySource | None] | None = None
        self._source: object = None
        self._keys: tuple[str, ...] = ()
        self._digests: tuple[bytes, ...] = ()
        if callable(api_key):
            self._provider = api_key
        else:
            self._set(normalise_keys(api_key))
            if not self._keys:
                raise ConfigurationError("api_key is an empty list")

    def _set(self, keys: tuple[str, ...]) -> None:
        self._keys = keys
        self._digests = tuple(_digest(key.encode("utf-8")) for key in keys)

    def _refresh(self) -> None:
        if self._provider is None:
            return
        raw = self._provider()
        # A list from config may be mutated in place, so compare with a copy.
        source = raw if isinstance(raw, str) or raw is None else tuple(raw)
        if source == self._source and self._keys:
            return
        keys = normalise_keys(raw)
        if not keys:
            raise ConfigurationError("the api_key callable returned no key")
        self._set(keys)
        self._source = source

    def keys(self) -> tuple[str, ...]:
        """The current keys; raises ConfigurationError when a provider has none."""
        self._refresh()
        return self._keys

    def matches_bearer(self, authorization: str | None) -> bool:
        """True when the ``Authorization`` header carries one of the keys."""
        return self.matches_token(bearer_token(authorization))

    def matches_token(self, token: bytes | None) -> bool:
        """True when ``token`` is one of the keys; constant-time in the token."""
        self._refresh()
        if token is None:
            return False
        presented = _digest(token)
        matched = False
        for digest in self._digests:  # no early exit: every key costs the same
            matched |= hmac.compare_digest(digest, presented)
        return matched
