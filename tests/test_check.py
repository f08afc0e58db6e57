"""The conformance checker: in process against good and deliberately broken
endpoints (``tests/check_targets.py``), and as the real command against the
same endpoints served by uvicorn."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from harness.servers import ROOT, free_port, server
from tests import check_targets
from tests.check_targets import KEY
from wonderblogs_target import cli
from wonderblogs_target.check import run_checks
from wonderblogs_target.testing import app_transport

IN_PROCESS = "http://testserver"
TRANSPORT = app_transport(check_targets.app)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """The same endpoints behind a real uvicorn, for what only a network shows."""
    port = free_port()
    command = ["-m", "uvicorn", "tests.check_targets:app", "--port", str(port)]
    with server([*command, "--log-level", "warning"], port=port, env={}, cwd=ROOT):
        yield f"http://127.0.0.1:{port}"


def report(
    path: str, *, publish: bool = False, rewrite: bool = False
) -> tuple[int, dict[str, Any]]:
    result = run_checks(
        IN_PROCESS + path, KEY, publish=publish, rewrite=rewrite, transport=TRANSPORT
    )
    assert KEY not in result.to_json() + result.to_text()
    return result.exit_code, json.loads(result.to_json())


def finding(document: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [c for c in document["checks"] if c["name"] == name]
    return found


def cli_check(url: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wonderblogs_target", "check", url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def test_a_conforming_endpoint_passes():
    code, document = report("/good", publish=True, rewrite=True)
    assert code == 0
    assert document["ok"] is True
    assert {c["name"]: c["status"] for c in document["checks"]} == {
        "context": "pass",
        "no key": "pass",
        "wrong key": "pass",
        "publish no key": "pass",
        "publish": "pass",
        "rewrite": "pass",
    }
    assert all(c["duration_ms"] >= 0 for c in document["checks"])


def test_nothing_is_posted_without_publish():
    code, document = report("/good")
    assert code == 0
    assert "publish" not in {c["name"] for c in document["checks"]}


@pytest.mark.parametrize("path", ["/empty-focus", "/null-focus"])
def test_empty_content_focus_is_a_warning(path):
    code, document = report(path)
    assert code == 0
    assert "scheduled runs will be skipped" in finding(document, "content_focus")["message"]
    assert finding(document, "content_focus")["status"] == "warn"


def test_extra_key():
    code, document = report("/extra-key")
    assert code == 1
    context = finding(document, "context")
    assert context["status"] == "fail"
    assert context["details"] == [
        "favourite_colour: unknown key; no additional properties are allowed"
    ]


def test_over_long_field():
    code, document = report("/long-field")
    assert code == 1
    assert finding(document, "context")["details"] == [
        "recent_articles[3].summary: 2,417 chars, max 2,000"
    ]


def test_every_violation_is_listed():
    code, document = report("/many-problems")
    assert code == 1
    details = finding(document, "context")["details"]
    assert "tone_of_voice: required field is missing" in details
    assert "recent_articles[3].summary: 2,417 chars, max 2,000" in details
    assert "visual_identity.image_output.compression: 120, max 100" in details
    assert "3 problems" in finding(document, "context")["message"]


def test_open_endpoint():
    code, document = report("/open")
    assert code == 1
    assert "open to anyone" in finding(document, "no key")["message"]
    assert finding(document, "wrong key")["status"] == "fail"


def test_403_instead_of_401():
    code, document = report("/forbidden")
    assert code == 1
    message = finding(document, "no key")["message"]
    assert "403" in message
    assert "only 401" in message


def test_non_json_body():
    code, document = report("/non-json")
    assert code == 1
    context = finding(document, "context")
    assert "not JSON" in context["message"]
    assert "text/html" in context["message"]


def test_refused_publish_is_a_failure_with_the_reason():
    code, document = report("/refuses-posts", publish=True)
    assert code == 1
    publish = finding(document, "publish")
    assert "409" in publish["message"]
    assert "slug already exists" in publish["details"][0]


def test_redirect_is_reported_not_followed():
    code, document = report("/redirect", publish=True)
    assert code == 2
    assert "307 redirect to /good" in document["error"]


def test_echoed_key_is_scrubbed():
    result = run_checks(IN_PROCESS + "/echo", KEY, transport=TRANSPORT)
    assert result.exit_code == 1
    assert KEY not in result.to_text()
    assert "***" in result.to_text()


def test_text_report_has_a_line_per_check_and_a_summary():
    result = run_checks(IN_PROCESS + "/empty-focus", KEY, transport=TRANSPORT)
    lines = result.to_text().splitlines()
    assert any(line.strip().startswith("PASS  context") for line in lines)
    assert any(line.strip().startswith("WARN  content_focus") for line in lines)
    assert lines[-1] == "3 passed, 0 failed, 1 warnings: ready for Wonderblogs"
    assert result.exit_code == 0


# -- what only a real network shows ---------------------------------------------------


def test_slow_endpoint_times_out(base):
    result = run_checks(f"{base}/slow", KEY, timeout=0.5)
    assert result.exit_code == 2
    assert "timed out after 0.5 s" in result.to_text()


def test_unreachable_host():
    port = free_port()
    result = run_checks(f"http://127.0.0.1:{port}/api/wonderblogs", KEY)
    assert result.exit_code == 2
    text = result.to_text()
    assert f"cannot connect to 127.0.0.1:{port}: nothing answers there" in text
    assert "is the server running, and is the port right?" in text


def test_a_wrong_key_is_said_to_be_the_wrong_key(base):
    result = run_checks(f"{base}/good", KEY + "-not-it")
    assert result.exit_code == 1
    [context] = [c for c in result.checks if c.name == "context"]
    assert context.message.startswith("GET with the key answered 401, expected 2xx")
    assert "the key does not match the target's" in context.message
    assert KEY not in result.to_text()


def test_tls_error(base):
    result = run_checks(base.replace("http://", "https://") + "/good", KEY)
    assert result.exit_code == 2
    assert "TLS error" in result.to_text()


# -- the command itself ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["http://127.0.0.1:1/x"], "no key"),
        (["ftp://example.com/x", "--key", "k"], "http:// or https://"),
        (["http://127.0.0.1:1/x", "--key", "k", "--timeout", "0"], "--timeout"),
    ],
)
def test_usage_errors_exit_2(args, message, monkeypatch, capsys):
    monkeypatch.delenv("WONDERBLOGS_API_KEY", raising=False)
    with pytest.raises(SystemExit) as caught:
        cli.main(["check", *args])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_the_command_takes_the_key_from_the_environment(base):
    result = cli_check(f"{base}/good", env={"WONDERBLOGS_API_KEY": KEY})
    assert result.returncode == 0, result.stdout
    assert KEY not in result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("3 passed, 0 failed")


def test_the_command_reports_json_and_exits_1_on_a_failure(base):
    result = cli_check(f"{base}/extra-key", "--json", "--key", KEY, env={})
    assert result.returncode == 1
    assert KEY not in result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["exit_code"] == 1
    assert finding(document, "context")["details"] == [
        "favourite_colour: unknown key; no additional properties are allowed"
    ]


def test_describe_violations_explains_nulls_and_types():
    from pydantic import ValidationError

    from tests import samples
    from wonderblogs_target import ContextResponse
    from wonderblogs_target.errors import describe_violations

    document = samples.context()
    document["brand_identity"] = None
    document["recent_articles"][0]["summary"] = None
    document["visual_identity"]["image_output"]["compression"] = None
    document["tone_of_voice"] = 42
    with pytest.raises(ValidationError) as caught:
        ContextResponse.model_validate(document)
    assert describe_violations(document, caught.value) == [
        'brand_identity: null is not allowed; use "" for no value',
        "tone_of_voice: number is not allowed here (input should be a valid string)",
        "recent_articles[0].summary: null is not allowed; leave the key out instead",
        "visual_identity.image_output.compression: null is not allowed; leave the key out instead",
    ]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://[::1", "Invalid IPv6 URL"),
        ("http://0177.0.0.1/", "Invalid IPv4 address"),
        ("http://example.org:99999/", "Port out of range"),
        ("ftp://example.org/", "must be an http:// or https:// address"),
    ],
)
def test_a_url_that_cannot_be_checked_is_one_usage_line(url, says, capsys):
    from wonderblogs_target.cli import main

    with pytest.raises(SystemExit) as exit:
        main(["check", url, "--key", "k"])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert says in err.splitlines()[0]  # the line that matters comes first
    assert "Traceback" not in err


def test_the_test_articles_description_is_plain_text():
    """Descriptions are shown as they are (the inbox, lists, meta tags): a
    backtick there is shown, not rendered."""
    from wonderblogs_target.check import sample_article

    description = sample_article()["description"]
    assert "wonderblogs-target check --publish" in description
    assert not set("`*_[]<>") & set(description)
