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
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, get_args

from ._extras import missing_extra
from .openapi import DEFAULT_PATH, SUPPORTED_VERSIONS, generate_openapi_spec
from .v1 import DEFAULT_RUN_TIMEOUT, Language

__all__ = ["main", "openapi_main"]

Parser = argparse.ArgumentParser
Runner = Callable[[argparse.Namespace, argparse.ArgumentParser], int]


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


def dump_document(document: dict[str, Any], fmt: str) -> str:
    """The document as JSON or YAML text."""
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
    sys.stdout.write(dump_document(document, args.format))
    return 0


def _port(text: str) -> int:
    """A TCP port, 1 to 65535: anything else is a usage error, not a port the
    system would pick or wrap around to."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65_535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 1 to 65535")
    return port


class _HelpFormatter(argparse.HelpFormatter):
    """Wraps help text between words only: a store URL such as
    ``markdown:///dir?generator=hugo|jekyll`` is never cut inside a name."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        text = self._whitespace_matcher.sub(" ", text).strip()
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


class _Parser(argparse.ArgumentParser):
    """A usage error is the one line that matters, then where the options are
    (not the whole usage block first, which hides the line)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n(see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(
        prog="wonderblogs-target",
        description="Tools for sites that receive Wonderblogs articles.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, run: Runner, summary: str, description: str = "") -> Parser:
        sub = commands.add_parser(
            name, help=summary, description=description or summary, formatter_class=_HelpFormatter
        )
        sub.set_defaults(run=run, subparser=sub)
        return sub

    openapi = command("openapi", _run_openapi, "print the OpenAPI document of the target endpoint")
    _add_openapi_options(openapi)

    check = command(
        "check",
        _run_check,
        "check a target endpoint as Wonderblogs would",
        "Check a target endpoint (in any language) as Wonderblogs would. Exit status: "
        "0 ready, 1 a check failed, 2 usage or connection error.",
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

    verify = command(
        "verify",
        _run_verify,
        "say which signing scheme a captured callback verifies under, or why none does",
        "Try every common signing scheme on a captured request and name the one that "
        "verifies, or the likely cause (stale timestamp, re-encoded body, wrong secret). "
        "Exit status: 0 verified, 1 not, 2 usage. The secret is never printed.",
    )
    verify.add_argument("--secret", help="the signing secret (default: $WONDERBLOGS_API_KEY)")
    verify.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a request header (repeatable)",
    )
    source = verify.add_mutually_exclusive_group(required=True)
    source.add_argument("--body", metavar="FILE", help="the raw body ('-' for stdin)")
    source.add_argument(
        "--request", metavar="FILE", help="a raw HTTP request, headers and body, as captured"
    )
    verify.add_argument(
        "--tolerance", type=float, default=300, help="seconds a timestamp may be off (300)"
    )

    serve = command(
        "serve",
        _run_serve,
        "run a ready-made target that stores what it receives",
        "Serve the Wonderblogs target at /api/wonderblogs, store every article, "
        "and show them in a read-only inbox at /.",
    )
    serve.add_argument("--host", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--metrics-public",
        action="store_true",
        help="serve /metrics without the inbox key (the metrics extra adds /metrics)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="on a loopback address, a host name to answer besides localhost "
        "(repeatable; others get 421, which stops DNS rebinding)",
    )
    serve.add_argument("--config", metavar="FILE", help="wonderblogs.toml with the brand context")
    serve.add_argument(
        "--store",
        metavar="URL",
        help="sqlite:///file.db (default: sqlite:///wonderblogs.db), postgresql://..., "
        "or markdown:///directory with options after ?, joined by &: "
        "generator=hugo|jekyll|astro|mkdocs|pelican draft=true images=download "
        "images_allow=HOST,NETWORK git=commit|push",
    )
    serve.add_argument(
        "--wonderblogs-key",
        metavar="KEY",
        help="Wonderblogs v1 API key (or $WONDERBLOGS_V1_API_KEY): lets images=download "
        "fetch covers that are paths on the Wonderblogs API",
    )
    serve.add_argument(
        "--wonderblogs-url",
        metavar="URL",
        help="the Wonderblogs v1 API's address for those covers (or $WONDERBLOGS_V1_BASE_URL; "
        "default: Wonderblogs' own), e.g. a staging API or the emulator",
    )
    serve.add_argument("--api-key", help="the Target Authentication Key (or $WONDERBLOGS_API_KEY)")
    serve.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="accept requests without a key (local trials only)",
    )
    prune = command(
        "prune",
        _run_prune,
        "remove the test articles of check --publish from a store",
        "Remove the test articles that check --publish sent, with their revisions, from a "
        "store (the one serve was given), and the revisions beyond the store's retention "
        "setting (?revisions=N, 50 by default). A test article a person changed since is "
        "left, and said. The Django app has manage.py wonderblogs_prune. Exit status: 0 "
        "done, 2 usage or store error.",
    )
    prune.add_argument("--store", metavar="URL", required=True, help="the store, as serve takes it")
    prune.add_argument("--dry-run", action="store_true", help="say what would go; remove nothing")

    generate = command(
        "generate",
        _run_generate,
        "write a post on a topic with the v1 API and save it into a store",
        "Create a Wonderblogs run on TOPIC (or the next topic of --topics FILE), wait for it, "
        "and save its post into the store. For sites Wonderblogs cannot POST to, and for "
        "scheduled jobs. Exit status: 0 stored (with --no-wait: started), 1 the run failed or "
        "was skipped or the store failed, 2 usage or validation (no request sent), 3 still "
        "running at --timeout (the resume command is printed).",
    )
    which = generate.add_mutually_exclusive_group(required=True)
    which.add_argument("topic", metavar="TOPIC", nargs="?", help="what to write about")
    which.add_argument(
        "--topics",
        metavar="FILE",
        help="take the first line of FILE not yet done; it is marked done once stored",
    )
    generate.add_argument(
        "--language", help="en, de, fr, es, it, pt or nl (default: the site's own; stored as en)"
    )
    generate.add_argument("--draft", action="store_true", help="save as a draft (Markdown stores)")
    generate.add_argument(
        "--no-wait", action="store_true", help="start the run and print the resume command"
    )
    resume = command(
        "run",
        _run_resume,
        "save the post of a run started earlier (--no-wait, or cut off by --timeout)",
        "Wait for run RUN_ID and save its post into the store. Exit status as generate's.",
    )
    resume.add_argument("run_id", metavar="RUN_ID")
    resume.add_argument(
        "--language",
        choices=get_args(Language),
        help="the run's language: the post's locale (default: en)",
    )
    resume.add_argument("--draft", action="store_true", help="save as a draft (Markdown stores)")
    rewriting = command(
        "rewrite",
        _run_rewrite,
        "rewrite a stored post with the v1 API; the result is its next revision",
        "Send the stored post SLUG's content to the rewrite API and store the result as a new "
        "revision of the same post (same slug, locale and externalId). Exit status as "
        "generate's.",
    )
    rewriting.add_argument("slug", metavar="SLUG")
    rewriting.add_argument("--locale", default="en", help="the post's locale (default: en)")
    rewriting.add_argument("--topic", help="steer the rewrite toward this topic")
    rewriting.add_argument("--research", action="store_true", help="let the rewrite research")
    translating = command(
        "translate",
        _run_translate,
        "translate a stored post with the v1 API into another locale of the same slug",
        "Translate the stored post SLUG into LANG and store it as the same slug in that "
        "locale, linked to the original where the store knows translations (Hugo's "
        "translationKey, Wagtail's locales). Exit status as generate's.",
    )
    translating.add_argument("slug", metavar="SLUG")
    translating.add_argument(
        "--to", required=True, metavar="LANG", help="en, de, fr, es, it, pt or nl"
    )
    translating.add_argument("--locale", default="en", help="the original's locale (default: en)")
    covering = command(
        "cover",
        _run_cover,
        "make a cover image for a stored post with the v1 API and attach it",
        "Run an image job for the stored post SLUG and store the post again with the image as "
        "its cover (a Markdown store with images=download keeps a copy, with the same limits "
        "and checks as for any delivery). Exit status as generate's.",
    )
    covering.add_argument("slug", metavar="SLUG")
    covering.add_argument("--locale", default="en", help="the post's locale (default: en)")
    for sub in (generate, resume, rewriting, translating, covering):
        sub.add_argument(
            "--store", metavar="URL", required=True, help="the store, as serve takes it"
        )
        sub.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_RUN_TIMEOUT,
            metavar="SECONDS",
            help="stop waiting after this long (default: %(default)g)",
        )
        sub.add_argument("--json", action="store_true", help="print one JSON object")
        sub.add_argument(
            "--wonderblogs-key", metavar="KEY", help="the v1 API key (or $WONDERBLOGS_V1_API_KEY)"
        )
        sub.add_argument(
            "--wonderblogs-url",
            metavar="URL",
            help="the v1 API's address (or $WONDERBLOGS_V1_BASE_URL; default: Wonderblogs' own)",
        )

    deliveries = command(
        "deliveries",
        _run_deliveries,
        "list the deliveries a store failed to save, and apply one again",
        "A valid article the store could not save (the answer was 5xx) is kept with its "
        "delivery. Once the cause is mended, apply it again: the same store saves it, and "
        "the outcome is recorded. The Django app does this from its admin.",
    )
    actions = deliveries.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="the kept deliveries, newest first",
        description="The kept deliveries, newest first. Exit status: 0, or 2 for a store error.",
        formatter_class=_HelpFormatter,
    )
    listing.add_argument("--waiting", action="store_true", help="only those not applied again yet")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    applying = actions.add_parser(
        "apply",
        help="store the article a delivery kept",
        description="Store the article delivery ID kept, through the same store. Exit "
        "status: 0 stored, 1 the store failed again (the delivery is kept anew, its id "
        "printed), 2 usage: no such delivery, nothing kept, applied already, or a store error.",
        formatter_class=_HelpFormatter,
    )
    applying.add_argument("id", metavar="ID", help="the delivery, as deliveries list shows it")
    jobs = actions.add_parser(
        "jobs",
        help="the store's deferred work (covers, pushes), newest first",
        description="The jobs a store left for after the answer (defer=...), newest first, "
        "with their state, attempts and last error; a failed one stays listed until --again. "
        "Exit status: 0, or 2 for a store error, a store that defers nothing, or no such "
        "failed job.",
        formatter_class=_HelpFormatter,
    )
    jobs.add_argument("--failed", action="store_true", help="only those that failed for good")
    jobs.add_argument("--json", action="store_true", help="one JSON object per line")
    jobs.add_argument(
        "--again",
        metavar="ID",
        help="run failed job ID again, with every attempt (serve's worker takes it)",
    )
    for sub in (listing, applying, jobs):
        sub.set_defaults(subparser=sub)
        sub.add_argument(
            "--store", metavar="URL", required=True, help="the store, as serve takes it"
        )
    applying.add_argument(
        "--wonderblogs-key",
        metavar="KEY",
        help="Wonderblogs v1 API key (or $WONDERBLOGS_V1_API_KEY), for covers on its API",
    )
    applying.add_argument(
        "--wonderblogs-url",
        metavar="URL",
        help="the v1 API's address (or $WONDERBLOGS_V1_BASE_URL)",
    )
    return parser


def _v1_address(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The v1 API key and address: ``--wonderblogs-key`` and ``--wonderblogs-url``,
    else ``$WONDERBLOGS_V1_API_KEY`` and ``$WONDERBLOGS_V1_BASE_URL`` (None when
    neither says)."""
    key = getattr(args, "wonderblogs_key", None) or os.environ.get("WONDERBLOGS_V1_API_KEY")
    url = getattr(args, "wonderblogs_url", None) or os.environ.get("WONDERBLOGS_V1_BASE_URL")
    return key or None, url or None


def _open_store_or_exit(
    url: str, parser: argparse.ArgumentParser, args: argparse.Namespace | None = None
) -> Any:
    from .errors import ConfigurationError
    from .stores import open_store

    key, base = _v1_address(args) if args is not None else (None, None)
    try:
        return open_store(url, v1_api_key=key, v1_base_url=base)
    except (ConfigurationError, ImportError) as exc:
        parser.exit(2, f"error: {exc}\n")


def _v1_setup(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[Any, Any, str]:
    """The client and the store a v1 command works with, and the store URL."""
    try:
        from .client import DEFAULT_BASE_URL, WonderblogsClient
    except ImportError:
        parser.exit(2, f"error: {missing_extra('httpx', 'client')}\n")
    key, base = _v1_address(args)
    if not key:
        parser.exit(
            2, "error: no v1 API key: pass --wonderblogs-key or set $WONDERBLOGS_V1_API_KEY\n"
        )
    if not args.timeout > 0:
        parser.exit(2, "error: --timeout must be a positive number of seconds\n")
    url = args.store
    if getattr(args, "draft", False):
        if not url.startswith("markdown:"):
            parser.exit(
                2,
                "error: --draft: only the Markdown store has drafts here (the Django app's "
                "commands follow PUBLISH_STATUS)\n",
            )
        url += ("&" if "?" in url else "?") + "draft=true"
    store = _open_store_or_exit(url, parser, args)
    try:
        client = WonderblogsClient(key, base_url=base or DEFAULT_BASE_URL)
    except Exception as exc:  # a base URL that cannot be one
        store.close()
        parser.exit(2, f"error: --wonderblogs-url: {exc}\n")
    return client, store, args.store


def _resume_command(run_id: str, store_url: str, args: argparse.Namespace) -> str:
    from .stores import redact_url

    language = getattr(args, "language", None) or getattr(args, "to", None)
    language = f" --language {language}" if language else ""
    draft = " --draft" if getattr(args, "draft", False) else ""
    return f"wonderblogs-target run {run_id} --store {redact_url(store_url)}{language}{draft}"


def _finish(outcome: Any, args: argparse.Namespace) -> int:
    if args.json:
        sys.stdout.write(outcome.to_json() + "\n")
    else:
        stream = sys.stdout if outcome.exit_code == 0 else sys.stderr
        stream.write(outcome.to_text() + "\n")
    code: int = outcome.exit_code
    return code


def _progress(args: argparse.Namespace) -> Any:
    from .runs import Progress

    return Progress(sys.stderr, tty=sys.stderr.isatty())


def _run_generate(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .runs import TopicList, generate

    topics = number = None
    topic = args.topic
    if args.topics:
        if args.no_wait:
            parser.exit(2, "error: --topics marks a topic done once stored: drop --no-wait\n")
        topics = TopicList(args.topics)
        try:
            found = topics.next()
        except (OSError, UnicodeDecodeError) as exc:
            parser.exit(2, f"error: cannot read --topics {args.topics}: {exc}\n")
        if found is None:
            sys.stdout.write(f"no topics left in {args.topics}: nothing to do\n")
            return 0
        number, topic = found
    client, store, url = _v1_setup(args, parser)

    def done(run_id: str) -> None:
        if topics is not None and number is not None:
            topics.mark_done(number, run_id)

    try:
        outcome = generate(
            client,
            store,
            topic,
            language=args.language,
            wait=not args.no_wait,
            timeout=args.timeout,
            progress=None if args.json else _progress(args),
            resume=lambda run_id: _resume_command(run_id, url, args),
            on_stored=done,
        )
    finally:
        client.close()
        store.close()
    return _finish(outcome, args)


def _run_resume(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .runs import DEFAULT_LOCALE, store_run

    language = args.language
    client, store, url = _v1_setup(args, parser)
    try:
        outcome = store_run(
            client,
            store,
            args.run_id,
            locale=language or DEFAULT_LOCALE,
            timeout=args.timeout,
            progress=None if args.json else _progress(args),
            resume=lambda run_id: _resume_command(run_id, url, args),
        )
    finally:
        client.close()
        store.close()
    return _finish(outcome, args)


def _run_v1(
    args: argparse.Namespace, parser: argparse.ArgumentParser, action: Callable[..., Any]
) -> int:
    """Run one of the stored-post commands (rewrite, translate, cover)."""
    client, store, _ = _v1_setup(args, parser)
    try:
        outcome = action(
            client, store, progress=None if args.json else _progress(args), timeout=args.timeout
        )
    finally:
        client.close()
        store.close()
    return _finish(outcome, args)


def _run_rewrite(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from functools import partial

    from .runs import rewrite

    resume = partial(_resume_command, store_url=args.store, args=args)
    action = partial(
        rewrite, slug=args.slug, locale=args.locale, topic=args.topic, research=args.research,
        resume=resume,
    )  # fmt: skip
    return _run_v1(args, parser, action)


def _run_translate(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from functools import partial

    from .runs import translate

    resume = partial(_resume_command, store_url=args.store, args=args)
    action = partial(translate, slug=args.slug, to=args.to, locale=args.locale, resume=resume)
    return _run_v1(args, parser, action)


def _run_cover(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from functools import partial

    from .runs import cover

    return _run_v1(args, parser, partial(cover, slug=args.slug, locale=args.locale))


def _run_deliveries(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .stores import delivery_log_of

    store = _open_store_or_exit(args.store, parser, args)
    try:
        if args.action == "jobs":
            return _list_jobs(store, args, parser)
        log = delivery_log_of(store)
        if log is None:
            parser.exit(2, f"error: the store at {store.location} keeps no deliveries\n")
        if args.action == "list":
            return _list_deliveries(log, args)
        return _apply_delivery(store, log, args, parser)
    except Exception as exc:  # a database that is down: one line, no traceback
        from .stores import describe_failure

        parser.exit(2, f"error: the store at {store.location} failed: {describe_failure(exc)}\n")
    finally:
        store.close()


def _list_deliveries(log: Any, args: argparse.Namespace) -> int:
    kept = log.kept(waiting=args.waiting)
    for delivery in kept:
        text = json.dumps(delivery.to_record(), ensure_ascii=False) if args.json else None
        sys.stdout.write((text or delivery.to_text()) + "\n")
    if not kept and not args.json:
        which = "waiting to be applied again" if args.waiting else "kept"
        sys.stdout.write(f"no deliveries {which}\n")
    return 0


def _list_jobs(store: Any, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .stores._jobs import FAILED, job_queue_of

    queue = job_queue_of(store)
    if queue is None:
        parser.exit(2, f"error: the store at {store.location} defers no work (see defer=)\n")
    if args.again is not None:
        if not queue.again(args.again):
            parser.exit(2, f"error: no failed job {args.again!r}\n")
        sys.stdout.write(f"job {args.again} waits for the worker again\n")
        return 0
    found = queue.jobs(states=(FAILED,) if args.failed else ())
    for job in found:
        text = json.dumps(job.to_record(), ensure_ascii=False) if args.json else None
        sys.stdout.write((text or job.to_text()) + "\n")
    if not found and not args.json:
        sys.stdout.write("no failed jobs\n" if args.failed else "no deferred jobs\n")
    return 0


def _apply_delivery(
    store: Any, log: Any, args: argparse.Namespace, parser: argparse.ArgumentParser
) -> int:
    from .stores import apply_again

    done = apply_again(store, log, args.id)
    if done.stored:
        sys.stdout.write(done.message + "\n")
        return 0
    if done.failed_again:
        sys.stderr.write(f"error: {done.message}\n")
        return 1
    parser.exit(2, f"error: {done.message}\n")


def _run_prune(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .stores import prune

    store = _open_store_or_exit(args.store, parser)
    try:
        pruned = prune(store, dry_run=args.dry_run)
    finally:
        store.close()
    sys.stdout.write(pruned.to_text(dry_run=args.dry_run) + "\n")
    return 0


_INSECURE_WARNING = """
************************************************************************
  WARNING: --insecure-no-auth: THIS ENDPOINT ACCEPTS REQUESTS FROM ANYONE.
  Anyone who can reach it can read your brand context and post articles.
  Use it for local trials only; set WONDERBLOGS_API_KEY for anything else.
************************************************************************
"""


def _run_serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        try:
            import uvicorn
        except ImportError as exc:
            raise missing_extra("uvicorn", "serve") from exc

        from .errors import ConfigurationError
        from .serve import DEFAULT_STORE_URL, TARGET_PATH, create_app, load_config, open_store
    except ImportError as exc:
        parser.exit(2, f"error: {exc}\n")
    key = args.api_key or os.environ.get("WONDERBLOGS_API_KEY") or None
    if key is None and not args.insecure_no_auth:
        parser.error(
            "refusing to start without a key: pass --api-key or set WONDERBLOGS_API_KEY "
            "(or --insecure-no-auth for a local trial)"
        )
    if key is not None and args.insecure_no_auth:
        parser.error("--insecure-no-auth and a key exclude each other")
    try:
        config = load_config(args.config)
        store_url = args.store or config.serve.store or DEFAULT_STORE_URL
        v1_key, v1_url = _v1_address(args)
        store = open_store(store_url, v1_api_key=v1_key, v1_base_url=v1_url)
        host = args.host or config.serve.host or "127.0.0.1"
        app = create_app(
            store=store,
            config=config,
            api_key=key,
            insecure_no_auth=args.insecure_no_auth,
            host=host,
            allowed_hosts=args.allowed_host,
            metrics_public=args.metrics_public,
            access_log=sys.stdout,
        )
    except (ConfigurationError, ImportError) as exc:
        # An ImportError here is a store's driver not installed: its message
        # names the extra to install.
        parser.exit(2, f"error: {exc}\n")
    port = args.port if args.port is not None else (config.serve.port or 8000)
    in_use = _port_in_use(host, port)
    if in_use is not None:
        store.close()
        parser.exit(2, f"error: cannot listen on {host}:{port}: {in_use}; choose another --port\n")
    if args.insecure_no_auth:
        sys.stderr.write(_INSECURE_WARNING)
    context = config.source or "DEMO context (pass --config wonderblogs.toml)"
    sys.stderr.write(
        f"Wonderblogs target: http://{host}:{port}{TARGET_PATH}\n"
        f"Inbox:              http://{host}:{port}/\n"
        f"Context:            {context}\n"
        f"Store:              {type(store).__name__} at {store.location}\n"
    )
    sys.stderr.flush()
    from .serve.server import give_back_large_blocks, server_options

    give_back_large_blocks()

    uvicorn.run(app, host=host, port=port, log_level="info", **server_options())
    return 0


def _port_in_use(host: str, port: int) -> str | None:
    """Why ``serve`` could not listen on ``host:port`` (in use, say), before it
    prints where it serves; uvicorn would say so only after that banner."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"{host!r} is not an address of this machine ({exc.strerror or exc})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: SO_REUSEADDR, so a port in TIME_WAIT is not "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


def _parse_request(raw: bytes) -> tuple[dict[str, str], bytes]:
    """Headers and body of a raw HTTP/1 request as a proxy captures it."""
    separator = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    head, _, body = raw.partition(separator)
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").splitlines()[1:]:
        name, _, value = line.partition(":")
        if name.strip():
            headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length", "")
    return headers, body[: int(length)] if length.isdigit() else body


def _run_verify(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .callbacks.diagnose import diagnose_signature

    secret = args.secret or os.environ.get("WONDERBLOGS_API_KEY", "")
    if not secret:
        parser.error("no secret: pass --secret or set WONDERBLOGS_API_KEY")
    try:
        if args.request:
            headers, body = _parse_request(_read(args.request))
        else:
            headers, body = {}, _read(args.body)
    except OSError as exc:
        parser.exit(2, f"error: cannot read {exc.filename}: {exc.strerror}\n")
    for header in args.header:
        name, colon, value = header.partition(":")
        if not colon or not name.strip():
            parser.error(f"--header must be 'Name: value', got {header!r}")
        headers[name.strip().lower()] = value.strip()
    diagnosis = diagnose_signature(body, headers, secret, tolerance=args.tolerance)
    lines = [diagnosis.message, "checked:", *(f"  {line}" for line in diagnosis.checked)]
    sys.stdout.write("\n".join(lines if diagnosis.checked else lines[:1]) + "\n")
    return diagnosis.exit_code


def _run_check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    key = args.key or os.environ.get("WONDERBLOGS_API_KEY", "")
    if not key:
        parser.error("no key: pass --key or set WONDERBLOGS_API_KEY")
    if not args.timeout > 0:
        parser.error("--timeout must be a positive number of seconds")
    try:
        from .check import run_checks, url_problem
    except ImportError as exc:
        parser.exit(2, f"error: {exc}\n")
    problem = url_problem(args.url)
    if problem is not None:
        parser.error(problem)
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
