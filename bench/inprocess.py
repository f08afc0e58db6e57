"""In-process throughput: each framework's own app called directly, many times.

    python -m bench.inprocess            # all frameworks
    python -m bench.inprocess fastapi    # one group

Prints a Markdown table per framework: requests per second for our adapter,
the hand-written idiomatic route and the floor route, and the ratios.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench import apps
from bench.common import asgi_batch, measure, payload_12k, table, wsgi_batch

BODY = payload_12k()


def group(
    title: str,
    batch: Callable[..., Callable[[int], None]],
    contenders: dict[str, tuple[object, str]],
    iterations: int,
) -> tuple[str, dict[str, dict[str, float]]]:
    results: dict[str, dict[str, float]] = {}
    rows = []
    for method in ("POST", "GET"):
        body = BODY if method == "POST" else b""
        runs = {name: batch(app, method, path, body) for name, (app, path) in contenders.items()}
        rates = measure(runs, iterations=iterations)
        results[method] = rates
        idiomatic = next(rate for name, rate in rates.items() if "idiomatic" in name)
        floor = next(rate for name, rate in rates.items() if "floor" in name)
        for name, rate in rates.items():
            rows.append((name, method, rate, rate / idiomatic, rate / floor))
    return table(title, rows), results


def fastapi_group() -> tuple[str, dict[str, dict[str, float]]]:
    app = apps.fastapi_app()
    contenders = {
        "FastAPI adapter": (app, "/adapter"),
        "ASGI adapter (bare)": (apps.asgi_app(), "/adapter"),
        "FastAPI idiomatic": (app, "/idiomatic"),
        "FastAPI floor": (app, "/floor"),
    }
    return group("FastAPI and ASGI (in process)", asgi_batch, contenders, 1_000)


def flask_group() -> tuple[str, dict[str, dict[str, float]]]:
    app = apps.flask_app()
    contenders = {
        "Flask adapter": (app, "/adapter"),
        "Flask idiomatic": (app, "/idiomatic"),
        "Flask floor": (app, "/floor"),
    }
    return group("Flask (in process)", wsgi_batch, contenders, 1_000)


def django_group() -> tuple[str, dict[str, dict[str, float]]]:
    app = apps.django_app()
    contenders = {
        "Django adapter": (app, "/adapter"),
        "Django idiomatic": (app, "/idiomatic"),
        "Django floor": (app, "/floor"),
    }
    return group("Django (in process)", wsgi_batch, contenders, 1_000)


def wsgi_group() -> tuple[str, dict[str, dict[str, float]]]:
    contenders = {
        "WSGI adapter": (apps.wsgi_adapter(), "/"),
        "WSGI idiomatic": (apps.wsgi_idiomatic, "/"),
        "WSGI floor": (apps.wsgi_floor, "/"),
    }
    return group("Plain WSGI (in process)", wsgi_batch, contenders, 2_000)


GROUPS = {
    "fastapi": fastapi_group,
    "flask": flask_group,
    "django": django_group,
    "wsgi": wsgi_group,
}


def main(argv: list[str]) -> None:
    for name in argv or list(GROUPS):
        text, _ = GROUPS[name]()
        print(text, end="\n\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
