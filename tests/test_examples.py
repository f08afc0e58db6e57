"""Each example app, started for real as a server process on a loopback port,
then checked the way Wonderblogs and ``wonderblogs-target check`` use it."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from harness.servers import free_port, server
from tests import samples
from tests.example_apps import EXAMPLES, KEY, example_command, setup_commands
from wonderblogs_target.check import run_checks


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_serves_get_and_post_and_passes_the_checker(name, tmp_path):
    port = free_port()
    command = example_command(name, port)
    env = {"WONDERBLOGS_API_KEY": KEY, "WONDERBLOGS_DB": str(tmp_path / "blog.db")}
    url = f"http://127.0.0.1:{port}/api/wonderblogs"
    auth = {"Authorization": f"Bearer {KEY}"}
    for setup in setup_commands(name):
        subprocess.run(
            [sys.executable, *setup],
            env={**os.environ, **env},
            cwd=tmp_path,
            check=True,
            capture_output=True,
            timeout=120,
        )
    with server(command, port=port, env=env, cwd=tmp_path), httpx.Client(timeout=10) as http:
        assert http.get(url).status_code == 401
        before = http.get(url, headers=auth)
        assert before.status_code == 200
        assert before.json()["recent_articles"] == []

        published = http.post(url, headers=auth, json=samples.PAYLOAD)
        assert published.status_code == 200, published.text
        rewrite = {**samples.REWRITE, "title": "Right-size pods, revised"}
        assert http.post(url, headers=auth, json=rewrite).status_code == 200
        assert http.post(url, headers=auth, content=b"{oops").status_code == 400

        after = http.get(url, headers=auth).json()
        assert [a["title"] for a in after["recent_articles"]] == ["Right-size pods, revised"]
        assert after["recent_articles"][0]["summary"] == samples.PAYLOAD["description"]

        report = run_checks(url, KEY, publish=True, rewrite=True, timeout=10)
    assert report.exit_code == 0, report.to_text()
    assert report.counts() == {"pass": 6, "fail": 0, "warn": 0}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_an_example_without_the_key_says_in_one_line_what_to_set(name, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "WONDERBLOGS_API_KEY"}
    command = example_command(name, free_port())
    if name == "django":
        command = [command[0], "check"]
    result = subprocess.run(
        [sys.executable, *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Set WONDERBLOGS_API_KEY to the Target Authentication Key")
