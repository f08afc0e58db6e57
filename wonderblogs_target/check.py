"""``wonderblogs-target check``: play Wonderblogs against any target endpoint.

The checker speaks HTTP only, so it serves sites in any language. It does what
Wonderblogs does (GET the context with the key, POST an article), judges the
answers by the same rules, and explains each failure in terms of the contract:
the JSON path, the rule and the documented limit.

Nothing is written to the site unless ``--publish`` is given, and the key is
never printed: it is scrubbed from anything the server echoes back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from ._extras import missing_extra
from .errors import describe_violations
from .http import DEFAULT_PORTS
from .models import ContextResponse
from .stores import CHECK_SLUG_PREFIX

try:
    import httpx
except ImportError as exc:  # pragma: no cover
    raise missing_extra("httpx", "client") from exc

__all__ = ["Check", "CheckAborted", "Report", "run_checks", "url_problem"]

Status = Literal["pass", "fail", "warn"]
USER_AGENT = "wonderblogs-target-check"


@dataclass
class Check:
    """One line of the report."""

    name: str
    status: Status
    message: str
    duration_ms: float = 0.0
    details: list[str] = field(default_factory=list)


@dataclass
class Report:
    url: str
    checks: list[Check] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.status != "fail" for c in self.checks)

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return 2
        return 0 if self.ok else 1

    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.checks) for s in ("pass", "fail", "warn")}

    def to_json(self) -> str:
        document = {
            "url": self.url,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "error": self.error,
            "summary": self.counts(),
            "checks": [asdict(c) for c in self.checks],
        }
        return json.dumps(document, indent=2)

    def to_text(self) -> str:
        marks = {"pass": "PASS", "fail": "FAIL", "warn": "WARN"}
        lines = [f"Checking {self.url} as Wonderblogs would", ""]
        for check in self.checks:
            lines.append(
                f"  {marks[check.status]}  {check.name:<16} {check.message} "
                f"({check.duration_ms:.0f} ms)"
            )
            lines.extend(f"          - {detail}" for detail in check.details)
        if self.error:
            lines += ["", f"  ERROR  {self.error}"]
        counts = self.counts()
        verdict = "ready for Wonderblogs" if self.ok else "not ready for Wonderblogs"
        lines += [
            "",
            f"{counts['pass']} passed, {counts['fail']} failed, {counts['warn']} warnings: "
            f"{verdict}",
        ]
        if any(c.name == "publish" and c.status == "pass" for c in self.checks):
            lines += [
                "",
                "A test article was sent. Where a store of this package keeps it, remove "
                "test articles with: wonderblogs-target prune --store URL (the store serve "
                "was given), or manage.py wonderblogs_prune in a Django project.",
            ]
        return "\n".join(lines)


class CheckAborted(Exception):
    """The endpoint could not be checked at all (no connection, TLS, timeout, redirect)."""


# -- running the checks ---------------------------------------------------------------------


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _excerpt(response: httpx.Response, secrets: list[str]) -> str:
    text = response.text.strip().replace("\n", " ")
    text = _scrub(text, secrets)
    return text[:200] + ("..." if len(text) > 200 else "")


def sample_article(rewrite: bool = False, stamp: int | None = None) -> dict[str, Any]:
    """A publish payload that passes the contract and is plainly a test."""
    stamp = int(time.time()) if stamp is None else stamp
    slug = f"{CHECK_SLUG_PREFIX}{stamp}"  # the stores keep such articles apart
    article: dict[str, Any] = {
        "slug": slug,
        "locale": "en",
        "title": "[wonderblogs-target check] Test article, safe to delete",
        # Plain text: descriptions are shown as they are (lists, meta tags, the inbox).
        "description": "Sent by wonderblogs-target check --publish to test this endpoint.",
        "content": "## Test article\n\nThis post was sent by a conformance check. Delete it.",
        "author": "wonderblogs-target check",
        "tags": ["wonderblogs-target-check"],
        "seo": {
            "metaTitle": "Test article (wonderblogs-target check)",
            "metaDescription": "A test article sent by a conformance check.",
            "slug": slug,
        },
        "targetFocus": "Conformance testing",
        "sources": [{"url": "https://example.com/", "title": "Example source"}],
    }
    if rewrite:
        article.update(
            action="update",
            externalId=slug,
            title="[wonderblogs-target check] Test article, rewritten, safe to delete",
        )
    return article


class _Checker:
    def __init__(
        self,
        url: str,
        key: str,
        http: httpx.Client,
        report: Report,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.url = url
        self.key = key
        self.http = http
        self.report = report
        self.clock = clock
        self.secrets = [key]

    @contextmanager
    def _timed(self) -> Iterator[list[float]]:
        start = self.clock()
        elapsed = [0.0]
        try:
            yield elapsed
        finally:
            elapsed[0] = (self.clock() - start) * 1000

    def _send(
        self, method: str, headers: dict[str, str], body: Any = None
    ) -> tuple[httpx.Response, float]:
        with self._timed() as elapsed:
            try:
                response = self.http.request(
                    method,
                    self.url,
                    headers={"User-Agent": USER_AGENT, "Accept": "application/json", **headers},
                    json=body,
                )
            except httpx.TimeoutException as exc:
                raise CheckAborted(
                    f"{method} timed out after {self.http.timeout.read:g} s "
                    "(Wonderblogs gives up too)"
                ) from exc
            except httpx.ConnectError as exc:
                reason = str(exc) or type(exc).__name__
                if "SSL" in reason or "certificate" in reason.lower():
                    raise CheckAborted(f"TLS error: {_scrub(reason, self.secrets)}") from exc
                where = httpx.URL(self.url)
                raise CheckAborted(
                    f"cannot connect to {where.host}:{where.port or DEFAULT_PORTS[where.scheme]}: "
                    "nothing answers there (is the server running, and is the port right?) "
                    f"({_scrub(reason, self.secrets)})"
                ) from exc
            except httpx.HTTPError as exc:
                raise CheckAborted(f"{method} failed: {type(exc).__name__}: {exc}") from exc
        if response.is_redirect:
            location = response.headers.get("location", "?")
            raise CheckAborted(
                f"{method} was answered with a {response.status_code} redirect to {location}; "
                "Wonderblogs does not follow redirects for POST: configure the final URL"
            )
        return response, elapsed[0]

    def add(self, check: Check) -> Check:
        self.report.checks.append(check)
        return check

    def context(self) -> None:
        response, ms = self._send("GET", {"Authorization": f"Bearer {self.key}"})
        if not response.is_success:
            said = f"GET with the key answered {response.status_code}, expected 2xx"
            if response.status_code in (401, 403):
                said += (
                    ": the key does not match the target's (the Target Authentication Key "
                    "in the Wonderblogs dashboard and the site's key must be the same)"
                )
            self.add(
                Check(
                    "context",
                    "fail",
                    said,
                    ms,
                    [_excerpt(response, self.secrets)] if response.content else [],
                )
            )
            return
        try:
            document = response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            self.add(
                Check(
                    "context",
                    "fail",
                    f"GET answered {response.status_code} but the body is not JSON ({kind})",
                    ms,
                    [_excerpt(response, self.secrets)],
                )
            )
            return
        try:
            context = ContextResponse.model_validate(document)
        except ValidationError as exc:
            problems = describe_violations(document, exc)
            self.add(
                Check(
                    "context",
                    "fail",
                    f"the context breaks the contract ({len(problems)} problem"
                    f"{'s' if len(problems) != 1 else ''}); Wonderblogs would fail the run",
                    ms,
                    problems,
                )
            )
            return
        articles = len(context.recent_articles)
        plural = "article" if articles == 1 else "articles"
        self.add(Check("context", "pass", f"valid context with {articles} recent {plural}", ms))
        if not (context.content_focus or "").strip():
            self.add(
                Check(
                    "content_focus",
                    "warn",
                    "content_focus is empty: scheduled runs will be skipped "
                    "unless a run brings its own topic",
                )
            )

    def auth(self, name: str, method: str, headers: dict[str, str], body: Any = None) -> None:
        response, ms = self._send(method, headers, body)
        status = response.status_code
        if status == 401:
            self.add(Check(name, "pass", "refused with 401", ms))
        elif response.is_success:
            self.add(Check(name, "fail", f"answered {status}: the endpoint is open to anyone", ms))
        elif 400 <= status < 500:
            self.add(
                Check(
                    name,
                    "fail",
                    f"answered {status}, expected 401: Wonderblogs treats only 401 as an "
                    "authentication failure",
                    ms,
                )
            )
        else:
            self.add(Check(name, "fail", f"answered {status}, expected 401", ms))

    def publish(self, name: str, article: dict[str, Any]) -> None:
        response, ms = self._send("POST", {"Authorization": f"Bearer {self.key}"}, article)
        if response.is_success:
            self.add(Check(name, "pass", f"accepted with {response.status_code}", ms))
        else:
            detail = [_excerpt(response, self.secrets)] if response.content else []
            self.add(
                Check(
                    name,
                    "fail",
                    f"answered {response.status_code}; Wonderblogs would keep the article "
                    "as ready to push",
                    ms,
                    detail,
                )
            )


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be checked (a person's typo, said in one line), or None.

    The one rule for every way of starting the checks (``check``,
    ``wonderblogs_check --url``): an http(s) URL with a host, a port in range
    and an address that parses."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not one
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        return f"{url!r} is not a URL that can be checked: {exc}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"URL must be an http:// or https:// address, got {url!r}"
    return None


def run_checks(
    url: str,
    key: str,
    *,
    publish: bool = False,
    rewrite: bool = False,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> Report:
    """Check the endpoint at ``url``; see the module docstring for what is checked."""
    if not key:
        raise ValueError("a key is needed: the checks use it as Wonderblogs does")
    report = Report(url)
    with httpx.Client(timeout=timeout, follow_redirects=False, transport=transport) as http:
        checker = _Checker(url, key, http, report)
        try:
            checker.context()
            checker.auth("no key", "GET", {})
            checker.auth("wrong key", "GET", {"Authorization": f"Bearer {key}-wrong"})
            if publish or rewrite:
                stamp = int(time.time())
                article = sample_article(stamp=stamp)
                checker.auth("publish no key", "POST", {}, article)
                checker.publish("publish", article)
                if rewrite:
                    checker.publish("rewrite", sample_article(rewrite=True, stamp=stamp))
        except CheckAborted as exc:
            report.error = _scrub(str(exc), [key])
    return report
