"""The conformance checker against real servers on loopback ports: our own
adapters (the example apps) and deliberately broken endpoints."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.check_targets import KEY
from tests.servers import ROOT, free_port, server
from tests.test_examples import EXAMPLES, example_command
from tests.test_examples import KEY as EXAMPLE_KEY


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    port = free_port()
    command = [
        "-m",
        "uvicorn",
        "tests.check_targets:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with server(command, port=port, env={}, cwd=ROOT):
        yield f"http://127.0.0.1:{port}"


def check(url: str, *args: str, key: str | None = KEY) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "wonderblogs_target", "check", url, *args]
    if key is not None:
        command += ["--key", key]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=False, cwd=ROOT
    )


def report(url: str, *args: str, key: str = KEY) -> tuple[int, dict[str, Any]]:
    result = check(url, "--json", *args, key=key)
    assert KEY not in result.stdout + result.stderr
    return result.returncode, json.loads(result.stdout)


def finding(document: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [c for c in document["checks"] if c["name"] == name]
    return found


def test_a_conforming_endpoint_passes(base):
    code, document = report(f"{base}/good", "--publish", "--rewrite")
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


def test_nothing_is_posted_without_publish(base):
    code, document = report(f"{base}/good")
    assert code == 0
    assert "publish" not in {c["name"] for c in document["checks"]}


@pytest.mark.parametrize("path", ["/empty-focus", "/null-focus"])
def test_empty_content_focus_is_a_warning(base, path):
    code, document = report(base + path)
    assert code == 0
    assert "scheduled runs will be skipped" in finding(document, "content_focus")["message"]
    assert finding(document, "content_focus")["status"] == "warn"


def test_extra_key(base):
    code, document = report(f"{base}/extra-key")
    assert code == 1
    context = finding(document, "context")
    assert context["status"] == "fail"
    assert context["details"] == [
        "favourite_colour: unknown key; no additional properties are allowed"
    ]


def test_over_long_field(base):
    code, document = report(f"{base}/long-field")
    assert code == 1
    assert finding(document, "context")["details"] == [
        "recent_articles[3].summary: 2,417 chars, max 2,000"
    ]


def test_every_violation_is_listed(base):
    code, document = report(f"{base}/many-problems")
    assert code == 1
    details = finding(document, "context")["details"]
    assert "tone_of_voice: required field is missing" in details
    assert "recent_articles[3].summary: 2,417 chars, max 2,000" in details
    assert "visual_identity.image_output.compression: 120, max 100" in details
    assert "3 problems" in finding(document, "context")["message"]


def test_open_endpoint(base):
    code, document = report(f"{base}/open")
    assert code == 1
    assert "open to anyone" in finding(document, "no key")["message"]
    assert finding(document, "wrong key")["status"] == "fail"


def test_403_instead_of_401(base):
    code, document = report(f"{base}/forbidden")
    assert code == 1
    message = finding(document, "no key")["message"]
    assert "403" in message
    assert "only 401" in message


def test_non_json_body(base):
    code, document = report(f"{base}/non-json")
    assert code == 1
    context = finding(document, "context")
    assert "not JSON" in context["message"]
    assert "text/html" in context["message"]


def test_refused_publish_is_a_failure_with_the_reason(base):
    code, document = report(f"{base}/refuses-posts", "--publish")
    assert code == 1
    publish = finding(document, "publish")
    assert "409" in publish["message"]
    assert "slug already exists" in publish["details"][0]


def test_slow_endpoint_times_out(base):
    result = check(f"{base}/slow", "--timeout", "0.5")
    assert result.returncode == 2
    assert "timed out after 0.5 s" in result.stdout


def test_redirect_is_reported_not_followed(base):
    code, document = report(f"{base}/redirect", "--publish")
    assert code == 2
    assert "307 redirect to /good" in document["error"]


def test_echoed_key_is_scrubbed(base):
    result = check(f"{base}/echo")
    assert result.returncode == 1
    assert KEY not in result.stdout
    assert "***" in result.stdout


def test_text_report_has_a_line_per_check_and_a_summary(base):
    result = check(f"{base}/empty-focus")
    lines = result.stdout.splitlines()
    assert any(line.strip().startswith("PASS  context") for line in lines)
    assert any(line.strip().startswith("WARN  content_focus") for line in lines)
    assert lines[-1] == "3 passed, 0 failed, 1 warnings: ready for Wonderblogs"
    assert result.returncode == 0


def test_unreachable_host():
    result = check(f"http://127.0.0.1:{free_port()}/api/wonderblogs")
    assert result.returncode == 2
    assert "cannot connect" in result.stdout


def test_tls_error(base):
    result = check(base.replace("http://", "https://") + "/good")
    assert result.returncode == 2
    assert "TLS error" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["http://127.0.0.1:1/x"], "no key"),
        (["ftp://example.com/x", "--key", "k"], "http:// or https://"),
        (["http://127.0.0.1:1/x", "--key", "k", "--timeout", "0"], "--timeout"),
    ],
)
def test_usage_errors_exit_2(args, message):
    result = subprocess.run(
        [sys.executable, "-m", "wonderblogs_target", "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_key_from_the_environment(base):
    result = subprocess.run(
        [sys.executable, "-m", "wonderblogs_target", "check", f"{base}/good"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"WONDERBLOGS_API_KEY": KEY, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_adapter_passes_with_publish_and_rewrite(name, tmp_path):
    port = free_port()
    command = example_command(name, port)
    env = {"WONDERBLOGS_API_KEY": EXAMPLE_KEY, "WONDERBLOGS_DB": str(tmp_path / "blog.db")}
    with server(command, port=port, env=env, cwd=tmp_path):
        result = check(
            f"http://127.0.0.1:{port}/api/wonderblogs", "--publish", "--rewrite", key=EXAMPLE_KEY
        )
    assert result.returncode == 0, result.stdout
    assert "6 passed, 0 failed" in result.stdout


def test_describe_violations_explains_nulls_and_types():
    from pydantic import ValidationError

    from tests import samples
    from wonderblogs_target import ContextResponse
    from wonderblogs_target.check import describe_violations

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
