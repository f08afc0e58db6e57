"""Command line: ``wonderblogs-target`` (``python -m wonderblogs_target``) and
``wonderblogs-openapi``.

Exit status: 0 on success, 2 for a usage error (argparse's convention), with
the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from .openapi import DEFAULT_PATH, SUPPORTED_VERSIONS, generate_openapi_spec

__all__ = ["main", "openapi_main"]


def _add_openapi_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--openapi-version",
        choices=[*SUPPORTED_VERSIONS, "3.0", "3.1"],
        default="3.0.3",
        help="OpenAPI version of the document (default: %(default)s)",
    )
    parser.add_argument(
        "--format", choices=("json", "yaml"), default="json", help="output format (default: json)"
    )
    parser.add_argument(
        "--path", default=DEFAULT_PATH, help="URL path of the endpoint (default: %(default)s)"
    )


def _dump(document: dict[str, Any], fmt: str) -> str:
    if fmt == "yaml":
        try:
            import yaml
        except ImportError as exc:
            raise SystemExit(
                'error: --format yaml needs PyYAML: pip install "wonderblogs-target[yaml]"'
            ) from exc
        return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _run_openapi(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        document = generate_openapi_spec(version=args.openapi_version, path=args.path)
    except ValueError as exc:
        parser.error(str(exc))
    sys.stdout.write(_dump(document, args.format))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wonderblogs-target",
        description="Tools for sites that receive Wonderblogs articles.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    openapi = commands.add_parser(
        "openapi", help="print the OpenAPI document of the target endpoint"
    )
    _add_openapi_options(openapi)
    openapi.set_defaults(run=_run_openapi, subparser=openapi)

    check = commands.add_parser(
        "check",
        help="check a target endpoint as Wonderblogs would",
        description=(
            "Check a target endpoint (in any language) as Wonderblogs would. Exit status: "
            "0 ready, 1 a check failed, 2 usage or connection error."
        ),
    )
    check.add_argument("url", metavar="URL", help="the endpoint, e.g. https://site/api/wonderblogs")
    check.add_argument(
        "--key", help="the Target Authentication Key (default: $WONDERBLOGS_API_KEY)"
    )
    check.add_argument(
        "--publish",
        action="store_true",
        help="also POST a test article (writes to the site; off by default)",
    )
    check.add_argument(
        "--rewrite",
        action="store_true",
        help="also POST the rewrite variant (action: update); implies --publish",
    )
    check.add_argument("--json", action="store_true", help="machine-readable report")
    check.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per request (default: 30)"
    )
    check.set_defaults(run=_run_check, subparser=check)
    return parser


def _run_check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from urllib.parse import urlsplit

    key = args.key or os.environ.get("WONDERBLOGS_API_KEY", "")
    if not key:
        parser.error("no key: pass --key or set WONDERBLOGS_API_KEY")
    if urlsplit(args.url).scheme not in ("http", "https") or not urlsplit(args.url).hostname:
        parser.error(f"URL must be an http:// or https:// address, got {args.url!r}")
    if not args.timeout > 0:
        parser.error("--timeout must be a positive number of seconds")
    try:
        from .check import run_checks
    except ImportError as exc:
        parser.exit(2, f"error: {exc}\n")
    report = run_checks(
        args.url, key, publish=args.publish, rewrite=args.rewrite, timeout=args.timeout
    )
    sys.stdout.write((report.to_json() if args.json else report.to_text()) + "\n")
    return report.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``wonderblogs-target``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    status: int = args.run(args, args.subparser)
    return status


def openapi_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``wonderblogs-openapi``: the OpenAPI 3.0 JSON on stdout."""
    parser = argparse.ArgumentParser(
        prog="wonderblogs-openapi",
        description="Print the OpenAPI document of the Wonderblogs target endpoint.",
    )
    _add_openapi_options(parser)
    return _run_openapi(parser.parse_args(argv), parser)
