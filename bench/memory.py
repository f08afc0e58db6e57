"""Memory under a 100 MB POST: every adapter must answer 413 while the process's
peak memory grows by less than 10 MB.

    python -m bench.memory

Each case runs in a fresh process (see :mod:`harness.memory`). "declared"
sends a Content-Length of 100 MB (refused before reading); "streamed" sends no
length (chunked transfer), so the adapter must stop reading at its limit.
"""

from __future__ import annotations

from harness.memory import run_case

APPS = {
    "asgi": ("bench.apps:asgi_app", "asgi"),
    "fastapi": ("bench.apps:fastapi_app", "asgi"),
    "flask": ("bench.apps:flask_app", "wsgi"),
    "django": ("bench.apps:django_app", "wsgi"),
    "wsgi": ("bench.apps:wsgi_adapter", "wsgi"),
}
# Django's WSGI request needs a Content-Length; without one it reads nothing.
CASES = [
    (name, mode)
    for name in APPS
    for mode in ("declared", "streamed")
    if not (name == "django" and mode == "streamed")
]


def main() -> None:
    print("### A 100 MB POST body\n")
    print("| adapter | body | status | peak memory growth |\n|---|---|---:|---:|")
    for name, mode in CASES:
        result = run_case(*APPS[name], mode)
        print(f"| {name} | {mode} | {result['status']} | {result['growth_kb'] / 1024:.1f} MB |")


if __name__ == "__main__":
    main()
