"""What importing an adapter costs over its framework's own import, in fresh
processes, from ``python -X importtime``: the framework is imported first,
then the adapter, and the adapter's cost is the time of the top-level imports
it adds (the framework's own modules it pulls in besides included). The
minimum of ten fresh processes by default.

    python -m bench.cold_start [--runs 10]

The goal (the serve-speed issue): at most 50 ms over the framework for each
adapter. The same command with ``-X importtime`` by hand shows where the time
goes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

#: (what is measured, the framework's own import, the adapter's)
PAIRS = [
    ("package root over pydantic", "pydantic", "wonderblogs_target"),
    ("fastapi adapter", "fastapi", "wonderblogs_target.fastapi"),
    ("flask adapter", "flask", "wonderblogs_target.flask"),
    ("django adapter", "django.http, django.middleware.csrf", "wonderblogs_target.django"),
]
GOAL_MS = 50.0
#: As a deployment runs: with the bytecode caches written and used (a machine
#: that sets PYTHONDONTWRITEBYTECODE compiles every module on every start).
_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _milliseconds(framework: str, adapter: str) -> tuple[float, float]:
    """The framework's import time and what the adapter adds, in one process."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {framework}\nimport {adapter}"],
        check=True, capture_output=True, text=True, env=_ENV,
    )  # fmt: skip
    base = ours = 0.0
    seen_ours = False
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if not cumulative.strip().isdigit() or name.startswith("  "):
            continue  # the header; or nested, counted in its top-level import
        seen_ours = seen_ours or name.strip().startswith("wonderblogs_target")
        if seen_ours:
            ours += int(cumulative) / 1000
        else:
            base += int(cumulative) / 1000
    return base, ours


def measure(runs: int) -> list[tuple[str, float, float]]:
    """Each pair's minimum framework time and adapter time, in milliseconds."""
    results = []
    for name, framework, adapter in PAIRS:
        _milliseconds(framework, adapter)  # writes the bytecode caches
        times = [_milliseconds(framework, adapter) for _ in range(runs)]
        results.append((name, min(t[0] for t in times), min(t[1] for t in times)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"{'import':<28} {'framework':>10} {'ours over it':>13}  goal {GOAL_MS:g} ms")
    for name, framework, ours in measure(args.runs):
        mark = "met" if ours <= GOAL_MS else "not met"
        print(f"{name:<28} {framework:>8.0f}ms {ours:>11.0f}ms  {mark}")


if __name__ == "__main__":
    main()
