"""The HMAC verifier and signer: known answers, every rejection reason, exact
time boundaries, rotation both ways, and hostile input (with an injected clock)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import header_text
from wonderblogs_target import (
    BODY_ONLY_SCHEME,
    ConfigurationError,
    MalformedHeaderError,
    MissingHeaderError,
    SignatureMismatchError,
    SignatureVerificationError,
    TimestampTooNewError,
    TimestampTooOldError,
    sign_payload,
    verify_signature,
)

SECRET = "wb_test_secret"
NOW = 1_700_000_000
FAILED = b'{"event":"run.failed","run_id":"r-1","status":"failed","error":"boom"}'

# Computed with `printf '<timestamp>.<body>' | openssl dgst -sha256 -hmac <secret>`,
# independently of this package.
VECTORS = [
    (
        SECRET,
        1_700_000_000,
        FAILED,
        "e16d2c09892b5675de462ac497720304dad84698bc20267d9cef126377290b9b",
    ),
    (
        SECRET,
        1_700_000_000,
        b"",
        "eb48a709e6e4f0cc0d181b7e1bab560a4f0c6e9a27dd0da4b97e6b9d849f2104",
    ),
    (
        "clé-secrète",
        1_762_000_000,
        b'{"event":"image.completed","job_id":"j-9","status":"completed",'
        b'"image_url":"https://img.example/x.webp"}',
        "48ae355de35b8c79120ed150daeddf8bc39d1201158377a4451fbed289b2bb74",
    ),
    (
        SECRET,
        1_700_000_000,
        '{"title":"Café ☕"}'.encode(),
        "f9b66f539272fc57237e9e96d8cd43de59f6c387c7be38f8fca512a305c6cf73",
    ),
]
BODY_ONLY_VECTOR = "af4ded4dfa349e7168576531fa302359c5b18c1508f4030e8c0f2714976b224e"


def headers(signature: str, timestamp: int | str = NOW) -> dict[str, str]:
    return {"X-Wonderblogs-Signature": signature, "X-Wonderblogs-Timestamp": str(timestamp)}


@pytest.mark.parametrize(("secret", "timestamp", "body", "digest"), VECTORS)
def test_known_answers(secret, timestamp, body, digest):
    signed = sign_payload(body, secret, timestamp=timestamp)
    assert signed == headers(f"sha256={digest}", timestamp)
    verify_signature(body, signed, secret, now=timestamp)


def test_body_only_scheme_is_explicit_and_matches_its_vector():
    signed = sign_payload(FAILED, SECRET, timestamp=NOW, scheme=BODY_ONLY_SCHEME)
    assert signed["X-Wonderblogs-Signature"] == f"sha256={BODY_ONLY_VECTOR}"
    verify_signature(
        FAILED,
        {"X-Wonderblogs-Signature": signed["X-Wonderblogs-Signature"]},
        SECRET,
        scheme=BODY_ONLY_SCHEME,
    )
    # Never a silent fallback: the default scheme refuses a body-only signature.
    with pytest.raises(SignatureMismatchError):
        verify_signature(FAILED, headers(f"sha256={BODY_ONLY_VECTOR}"), SECRET, now=NOW)


@pytest.mark.parametrize(
    "form",
    [
        lambda d: f"sha256={d}",
        lambda d: d,
        lambda d: f"sha256={d.upper()}",
        lambda d: f"SHA256={d}",
        lambda d: f"sha256={'0' * 64}, sha256={d}",
        lambda d: f"sha256={'0' * 64} sha256={d}",
        lambda d: f"  sha256={d}  ",
        lambda d: f"v1=ignored,{d}",
    ],
    ids=[
        "prefixed",
        "bare",
        "upper",
        "upper-prefix",
        "comma-list",
        "space-list",
        "padded",
        "mixed",
    ],
)
def test_accepted_signature_forms(form):
    digest = VECTORS[0][3]
    verify_signature(FAILED, headers(form(digest)), SECRET, now=NOW)


def test_rotation_on_the_receiver_side():
    signed = sign_payload(FAILED, "new-key", timestamp=NOW)
    verify_signature(FAILED, signed, ["old-key", "new-key"], now=NOW)
    verify_signature(
        FAILED, sign_payload(FAILED, "old-key", timestamp=NOW), ["old-key", "new-key"], now=NOW
    )
    with pytest.raises(SignatureMismatchError):
        verify_signature(FAILED, signed, ["old-key"], now=NOW)


def test_rotation_on_the_sender_side():
    old = sign_payload(FAILED, "old-key", timestamp=NOW)["X-Wonderblogs-Signature"]
    new = sign_payload(FAILED, "new-key", timestamp=NOW)["X-Wonderblogs-Signature"]
    both = headers(f"{old},{new}")
    verify_signature(FAILED, both, "new-key", now=NOW)
    verify_signature(FAILED, both, "old-key", now=NOW)


@pytest.mark.parametrize(
    ("offset", "error"),
    [
        (-300, None),
        (-301, TimestampTooOldError),
        (300, None),
        (301, TimestampTooNewError),
        (0, None),
    ],
)
def test_tolerance_boundaries_both_ways(offset, error):
    signed = sign_payload(FAILED, SECRET, timestamp=NOW + offset)
    if error is None:
        verify_signature(FAILED, signed, SECRET, now=NOW)
    else:
        with pytest.raises(error):
            verify_signature(FAILED, signed, SECRET, now=NOW)


def test_fractional_now_at_the_boundary():
    signed = sign_payload(FAILED, SECRET, timestamp=NOW)
    verify_signature(FAILED, signed, SECRET, now=NOW + 300.0)
    with pytest.raises(TimestampTooOldError):
        verify_signature(FAILED, signed, SECRET, now=NOW + 300.001)


def test_custom_tolerance_and_no_time_check():
    signed = sign_payload(FAILED, SECRET, timestamp=NOW - 10)
    with pytest.raises(TimestampTooOldError):
        verify_signature(FAILED, signed, SECRET, now=NOW, tolerance=5)
    ancient = sign_payload(FAILED, SECRET, timestamp=1)
    verify_signature(FAILED, ancient, SECRET, now=NOW, tolerance=None)


@pytest.mark.parametrize("tolerance", [0, -1, float("nan")])
def test_non_positive_tolerance_is_a_configuration_error(tolerance):
    with pytest.raises(ConfigurationError):
        verify_signature(FAILED, sign_payload(FAILED, SECRET), SECRET, tolerance=tolerance)


@pytest.mark.parametrize("secret", ["", [], [""], " padded", ["ok", "bad\n"]])
def test_bad_secrets_are_configuration_errors(secret):
    with pytest.raises(ConfigurationError):
        verify_signature(FAILED, headers("x"), secret)


def test_stale_but_wrong_signature_says_mismatch():
    with pytest.raises(SignatureMismatchError):
        verify_signature(FAILED, headers("0" * 64, NOW - 10_000), SECRET, now=NOW)


@pytest.mark.parametrize(
    ("presented", "error"),
    [
        ({}, MissingHeaderError),
        ({"X-Wonderblogs-Timestamp": str(NOW)}, MissingHeaderError),
        ({"X-Wonderblogs-Signature": "sha256=" + "0" * 64}, MissingHeaderError),
        (headers("", NOW), MissingHeaderError),
        (headers("sha256=nothex"), MalformedHeaderError),
        (headers("sha256=" + "a" * 63), MalformedHeaderError),
        (headers("sha256=" + "a" * 64, "12.5"), MalformedHeaderError),
        (headers("sha256=" + "a" * 64, "-5"), MalformedHeaderError),
        (headers("sha256=" + "a" * 64, "1e9"), MalformedHeaderError),
        (headers("sha256=" + "a" * 64, "\u0661\u0667\u0660\u0660"), MalformedHeaderError),
        (headers("sha256=" + "a" * 64, "9" * 40), MalformedHeaderError),
        (headers("sha256=é" + "a" * 63), MalformedHeaderError),
        (headers(",".join(["sha256=" + "a" * 64] * 50)), MalformedHeaderError),
        (headers("sha256=" + "a" * 10_000), MalformedHeaderError),
        (headers("sha256=" + "a" * 64), SignatureMismatchError),
    ],
)
def test_each_rejection_reason(presented, error):
    with pytest.raises(error) as caught:
        verify_signature(FAILED, presented, SECRET, now=NOW)
    assert isinstance(caught.value, SignatureVerificationError)


def test_tampered_body_and_timestamp_are_mismatches():
    signed = sign_payload(FAILED, SECRET, timestamp=NOW)
    with pytest.raises(SignatureMismatchError):
        verify_signature(FAILED.replace(b"boom", b"b00m"), signed, SECRET, now=NOW)
    with pytest.raises(SignatureMismatchError):
        verify_signature(
            FAILED, {**signed, "X-Wonderblogs-Timestamp": str(NOW + 1)}, SECRET, now=NOW
        )


def test_header_lookup_is_case_insensitive_and_takes_bytes():
    signed = sign_payload(FAILED, SECRET, timestamp=NOW)
    lower = {k.lower(): v for k, v in signed.items()}
    upper = {k.upper(): v for k, v in signed.items()}
    raw = {k.lower().encode(): v.encode() for k, v in signed.items()}
    for variant in (lower, upper, raw):
        verify_signature(FAILED, variant, SECRET, now=NOW)


def test_framework_header_objects():
    from django.http.request import HttpHeaders
    from starlette.datastructures import Headers
    from werkzeug.datastructures import EnvironHeaders

    signed = sign_payload(FAILED, SECRET, timestamp=NOW)
    environ = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in signed.items()}
    for headers_object in (
        Headers(raw=[(k.lower().encode(), v.encode()) for k, v in signed.items()]),
        EnvironHeaders(environ),
        HttpHeaders(environ),
    ):
        verify_signature(FAILED, headers_object, SECRET, now=NOW)


@pytest.mark.parametrize("body", [json.loads(FAILED), FAILED.decode(), None, 42])
def test_parsed_json_is_a_type_error_saying_raw_body(body):
    with pytest.raises(TypeError, match="raw request body"):
        verify_signature(body, headers("x"), SECRET)
    with pytest.raises(TypeError, match="raw request body"):
        sign_payload(body, SECRET)


def test_memoryview_and_bytearray_bodies():
    signed = sign_payload(FAILED, SECRET, timestamp=NOW)
    verify_signature(bytearray(FAILED), signed, SECRET, now=NOW)
    verify_signature(memoryview(FAILED), signed, SECRET, now=NOW)


def test_messages_never_carry_the_secret_or_the_expected_digest():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + FAILED, hashlib.sha256).hexdigest()
    cases = [
        headers("sha256=" + "0" * 64),
        headers("garbage"),
        {},
        sign_payload(FAILED, SECRET, timestamp=NOW - 9_999),
    ]
    for case in cases:
        with pytest.raises(SignatureVerificationError) as caught:
            verify_signature(FAILED, case, SECRET, now=NOW)
        text = str(caught.value) + repr(caught.value)
        assert SECRET not in text
        assert expected not in text


def test_large_and_empty_bodies():
    big = b"x" * 5_000_000
    verify_signature(big, sign_payload(big, SECRET, timestamp=NOW), SECRET, now=NOW)
    verify_signature(b"", sign_payload(b"", SECRET, timestamp=NOW), SECRET, now=NOW)


@settings(max_examples=500, deadline=None)
@given(
    body=st.binary(max_size=2_000),
    signature=header_text,
    timestamp=st.one_of(header_text, st.integers().map(str)),
    names=st.sampled_from(
        [("X-Wonderblogs-Signature", "X-Wonderblogs-Timestamp"), ("x-wonderblogs-signature", "x")]
    ),
)
def test_any_input_gives_only_a_verification_error(body, signature, timestamp, names):
    with contextlib.suppress(SignatureVerificationError):
        verify_signature(body, {names[0]: signature, names[1]: timestamp}, SECRET, now=NOW)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"timestamp": -5}, "timestamp must be Unix seconds"),
        ({"timestamp": 10**13}, "timestamp must be Unix seconds"),
        ({"secret": ["one", "two"]}, "sign_payload takes one secret"),
        ({"secret": ""}, "non-empty"),
    ],
)
def test_sign_payload_refuses_arguments_that_cannot_make_a_valid_signature(arguments, message):
    with pytest.raises(ConfigurationError, match=message):
        sign_payload(b"{}", **{"secret": "s", **arguments})


@pytest.mark.parametrize(
    "timestamp", [1.9, True, " 12 ", "123", "abc", float("nan"), float("inf"), -1, 10**12]
)
def test_sign_payload_takes_only_whole_unix_seconds(timestamp):
    """int() would take 1.9, True and " 12 " and raise its own errors on the rest."""
    with pytest.raises(ConfigurationError, match="timestamp must be Unix seconds"):
        sign_payload(FAILED, SECRET, timestamp=timestamp)


def test_sign_payload_says_what_a_scheme_is():
    with pytest.raises(ConfigurationError, match="scheme must be a SignatureScheme"):
        sign_payload(FAILED, SECRET, scheme=None)  # type: ignore[arg-type]
