"""Does the time of a key or signature check depend on how much of the secret
a guess got right? Measured, interleaved, against a model of the leak a
comparison that stops at the first difference has, so the figure shows the
measurement can see a leak at all.

    python -m bench.timing_leaks

The suite asserts what makes the checks constant-time (``hmac.compare_digest``
on whole, fixed-length digests, every key compared); this is the figure, kept
out of the suite because a busy machine moves it.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable

from wonderblogs_target import sign_payload, verify_signature
from wonderblogs_target._keys import KeyRing


def timing_ratio(check: Callable[[str], object], early: str, late: str, rounds: int = 31) -> float:
    """Median time of ``check(late)`` over ``check(early)``, measured interleaved."""
    samples_early: list[float] = []
    samples_late: list[float] = []
    for _ in range(rounds):
        for token, into in ((early, samples_early), (late, samples_late)):
            start = time.perf_counter()
            for _ in range(300):
                check(token)
            into.append(time.perf_counter() - start)
    return statistics.median(samples_late) / statistics.median(samples_early)


def leaky_equal(a: str, b: str) -> bool:
    for x, y in zip(a, b, strict=False):
        if x != y:
            return False
    return len(a) == len(b)


def bearer() -> tuple[float, float]:
    key = "K" * 4_096
    early = "x" + key[1:]  # wrong from the first character
    late = key[:-1] + "x"  # right up to the last one
    ring = KeyRing(key)
    leak = timing_ratio(lambda t: leaky_equal(t, key), early, late)
    ours = timing_ratio(lambda t: ring.matches_bearer(f"Bearer {t}"), early, late)
    return ours, leak


def signature() -> tuple[float, float]:
    body = b'{"event":"run.failed","run_id":"r","status":"failed"}'
    signed = sign_payload(body, "secret", timestamp=1_700_000_000)
    good = signed["X-Wonderblogs-Signature"].removeprefix("sha256=")
    early = ("0" if good[0] != "0" else "1") + good[1:]
    late = good[:-1] + ("0" if good[-1] != "0" else "1")

    def ours(hexdigest: str) -> None:
        headers = {**signed, "X-Wonderblogs-Signature": f"sha256={hexdigest}"}
        with contextlib.suppress(Exception):
            verify_signature(body, headers, "secret", now=1_700_000_000)

    def leaky(hexdigest: str) -> None:
        # The same work, plus a cost that grows with the matching prefix.
        ours(good)
        matching = next(
            (i for i, (x, y) in enumerate(zip(hexdigest, good, strict=False)) if x != y), 64
        )
        for _ in range(matching * 20):
            pass

    return timing_ratio(ours, early, late), timing_ratio(leaky, early, late)


def main() -> None:
    print("### Check time, wrong at the last character over wrong at the first\n")
    print("| check | ours | a leaking comparison |\n|---|---:|---:|")
    for name, measure in (("bearer key (4 KiB)", bearer), ("signature", signature)):
        ours, leak = measure()
        print(f"| {name} | {ours:.2f}x | {leak:.2f}x |")


if __name__ == "__main__":
    main()
