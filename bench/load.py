"""Load an endpoint: N concurrent connections doing GET and POST (a 12 KB
article) for a while, reporting throughput, errors and p50/p99 latency.

    python -m bench.load http://127.0.0.1:8000/api/wonderblogs --key dev-key \\
        --duration 60 --connections 64

Traffic goes only where it is pointed; use loopback addresses.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from bench.common import payload_12k
from harness.load import run_load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--key", required=True)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    result = asyncio.run(
        run_load(
            args.url,
            args.key,
            payload_12k(),
            duration=args.duration,
            connections=args.connections,
        )
    )
    print(json.dumps({**result.summary(), "statuses": result.statuses}, indent=2))


if __name__ == "__main__":
    main()
