"""``wonderblogs-target generate`` and ``run``: the real command, in its own
process, against the v1 emulator on a loopback port, into every store (SQLite,
PostgreSQL, the Markdown store in each generator's format); each exit code and
message the commands promise."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_server import emulator_server
from tests.helpers import allow_new_posts, cli_env, refuse_new_posts
from wonderblogs_target.stores import open_store
from wonderblogs_target.testing import WonderblogsEmulator

V1_KEY = "wb_v1_secret_key_0123"
TOPIC = "Kubernetes cost control for small teams"


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, WonderblogsEmulator]]:
    """The emulator: a run has finished by the first poll (no waiting)."""
    with emulator_server(V1_KEY, polls_to_finish=1) as running:
        yield running


@pytest.fixture(scope="module")
def paced_api() -> Iterator[tuple[str, WonderblogsEmulator]]:
    """The emulator: a run is running at the first poll, finished at the second."""
    with emulator_server(V1_KEY) as running:
        yield running


@pytest.fixture(scope="module")
def slow_api() -> Iterator[tuple[str, WonderblogsEmulator]]:
    """The emulator where a run goes on until the test finishes it."""
    with emulator_server(V1_KEY, polls_to_finish=1_000_000) as running:
        yield running


def command(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "wonderblogs-target"), *args]


def cli(
    api_url: str, *args: str, key: str | None = V1_KEY, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = cli_env(WONDERBLOGS_V1_BASE_URL=api_url)
    if key is not None:
        env["WONDERBLOGS_V1_API_KEY"] = key
    return subprocess.run(
        command(*args), capture_output=True, text=True, timeout=120, check=False, env=env, cwd=cwd
    )


@pytest.fixture
def in_process(monkeypatch, capsys):
    """The command's own ``main`` in this process (the same code as the console
    script, without an interpreter's start per call): for the tests that run
    many commands; the exit codes, Ctrl-C and the terminal are tested on the
    real command above."""
    from wonderblogs_target.cli import main

    def run(api_url: str, *args: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setenv("WONDERBLOGS_V1_API_KEY", V1_KEY)
        monkeypatch.setenv("WONDERBLOGS_V1_BASE_URL", api_url)
        try:
            code = main(list(args))
        except SystemExit as exit:
            code = int(exit.code or 0)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    return run


def stored(url: str) -> list[Any]:
    store = open_store(url)
    try:
        return [post.payload for post in store.recent()]
    finally:
        store.close()


STORES = ["sqlite", "postgres", "hugo", "jekyll", "astro", "mkdocs", "pelican"]


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/posts.db"
    if request.param == "postgres":
        return str(request.getfixturevalue("fresh_database"))
    return f"markdown:///{tmp_path}/posts?generator={request.param}"


def test_no_wait_then_run_stores_the_post_once(api, tmp_path):
    url, _ = api
    store = f"sqlite:///{tmp_path}/posts.db"
    started = cli(url, "generate", TOPIC, "--no-wait", "--store", store)
    assert started.returncode == 0, started.stderr
    first = started.stdout.splitlines()[0]
    run_id = first.split()[1]
    assert first == f"run {run_id} started; nothing stored yet"
    resume = f"wonderblogs-target run {run_id} --store {store}"
    assert f"store its post with: {resume}" in started.stdout
    assert stored(store) == []
    resumed = cli(url, *resume.split()[1:])
    assert resumed.returncode == 0, resumed.stderr
    assert f"from run {run_id} in {tmp_path}/posts.db" in resumed.stdout
    assert cli(url, *resume.split()[1:]).returncode == 0  # again: the same post, updated
    [post] = stored(store)
    assert post.title == TOPIC


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["generate", "ab"], "error: topic: 2 chars, min 3; no request was sent"),
        (["generate", "x" * 501], "error: topic: 501 chars, max 500; no request was sent"),
        (["generate", TOPIC, "--language", "xx"], "error: language: "),
        (["generate", TOPIC, "--draft"], "error: --draft: only the Markdown store has drafts"),
        (["generate", TOPIC, "--timeout", "0"], "error: --timeout must be a positive number"),
        (["run", "run-0001", "--language", "xx"], "invalid choice: 'xx'"),
    ],
)
def test_bad_input_is_exit_2_with_the_rule_and_no_request(api, tmp_path, args, says):
    url, emulator = api
    before = len(emulator.requests)
    answer = cli(url, *args, "--store", f"sqlite:///{tmp_path}/posts.db")
    assert answer.returncode == 2
    assert says in answer.stderr
    assert "Traceback" not in answer.stderr
    assert len(emulator.requests) == before  # no quota spent


def test_without_a_key_it_says_how_to_give_one(api, tmp_path):
    url, emulator = api
    before = len(emulator.requests)
    answer = cli(url, "generate", TOPIC, "--store", f"sqlite:///{tmp_path}/p.db", key=None)
    assert (answer.returncode, answer.stderr) == (
        2,
        "error: no v1 API key: pass --wonderblogs-key or set $WONDERBLOGS_V1_API_KEY\n",
    )
    assert len(emulator.requests) == before


def test_a_wrong_key_is_exit_2_and_never_printed(api, tmp_path):
    url, _ = api
    answer = cli(url, "generate", TOPIC, "--store", f"sqlite:///{tmp_path}/p.db", key="wb_wrong")
    assert answer.returncode == 2
    assert "401" in answer.stderr
    assert "wb_wrong" not in answer.stderr + answer.stdout


@pytest.mark.parametrize(("outcome", "error"), [("failed", "writer crashed"), ("skipped", None)])
def test_a_failed_or_skipped_run_is_exit_1_with_the_runs_own_words(api, tmp_path, outcome, error):
    url, emulator = api
    emulator.next_outcome(outcome, error)
    store = f"sqlite:///{tmp_path}/posts.db"
    answer = cli(url, "generate", TOPIC, "--store", store)
    assert answer.returncode == 1
    last = answer.stderr.splitlines()[-1]
    assert last.startswith("run run-")
    assert last.endswith(f" {outcome}: {error or f'run {outcome}'}")
    assert stored(store) == []


def test_still_running_at_the_timeout_is_exit_3_with_the_resume_command(slow_api, tmp_path):
    url, emulator = slow_api
    store = f"markdown:///{tmp_path}/posts?generator=hugo"
    answer = cli(url, "generate", TOPIC, "--store", store, "--timeout", "1.5", "--json")
    assert answer.returncode == 3, answer.stderr
    said = json.loads(answer.stdout)
    assert said["status"] == "running"
    assert said["exit_code"] == 3
    assert stored(store) == []
    plain = cli(url, "run", said["run_id"], "--store", store, "--timeout", "1.5")
    assert plain.returncode == 3
    resume = f"wonderblogs-target run {said['run_id']} --store {store}"
    assert plain.stderr.splitlines()[-2:] == [
        f"run {said['run_id']} is still running after 1.5 s; nothing stored",
        f"resume with: {resume}",
    ]
    emulator.finish_all()
    done = cli(url, *resume.split()[1:])
    assert done.returncode == 0, done.stderr
    assert [post.title for post in stored(store)] == [TOPIC]


def test_ctrl_c_stops_waiting_and_prints_the_resume_command(slow_api, tmp_path):
    url, _ = slow_api
    store = f"sqlite:///{tmp_path}/posts.db"
    env = cli_env(WONDERBLOGS_V1_BASE_URL=url, WONDERBLOGS_V1_API_KEY=V1_KEY)
    process = subprocess.Popen(
        command("generate", TOPIC, "--store", store),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stderr is not None
    first = process.stderr.readline()  # the wait has begun
    assert first.startswith("waiting for run run-")
    run_id = first.split()[-1]
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert f"stopped waiting; run {run_id} goes on" in err
    assert f"resume with: wonderblogs-target run {run_id} --store {store}" in err
    assert "Traceback" not in err + out


def test_a_plain_log_gets_one_line_per_status_and_a_terminal_one_line_in_place(paced_api, tmp_path):
    url, _ = paced_api
    plain = cli(url, "generate", TOPIC, "--store", f"sqlite:///{tmp_path}/a.db")
    lines = plain.stderr.splitlines()
    assert lines[0].startswith("waiting for run run-")
    run_id = lines[0].split()[-1]
    assert [line.split(" after ")[0] for line in lines[1:]] == [
        f"run {run_id}: running",
        f"run {run_id}: completed",
    ]
    assert "\r" not in plain.stderr

    # On a terminal: stderr is a real pseudo-terminal.
    leader, follower = pty.openpty()
    env = cli_env(WONDERBLOGS_V1_BASE_URL=url, WONDERBLOGS_V1_API_KEY=V1_KEY)
    process = subprocess.Popen(
        command("generate", TOPIC, "--store", f"sqlite:///{tmp_path}/b.db"),
        stdout=subprocess.PIPE, stderr=follower, text=True, env=env,
    )  # fmt: skip
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the process closed its end
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=30)
    os.close(leader)
    assert process.returncode == 0
    text = shown.decode()
    assert "\r\x1b[Krun run-" in text
    assert text.count("\n") == 2  # "waiting for run ...", and the last state's line ending
    assert ": completed (" in text


def test_topics_are_walked_one_a_run_and_marked_done_once_stored(api, tmp_path):
    url, emulator = api
    topics = tmp_path / "topics.txt"
    topics.write_text("# our list\n\nServerless cold starts\nEdge caching basics\n")
    store = f"markdown:///{tmp_path}/posts?generator=hugo"
    first = cli(url, "generate", "--topics", str(topics), "--store", store)
    assert first.returncode == 0, first.stderr
    lines = topics.read_text().splitlines()
    assert lines[0:2] == ["# our list", ""]
    assert lines[2].startswith("# done ")
    assert lines[2].endswith(": Serverless cold starts")
    assert lines[3] == "Edge caching basics"

    emulator.next_outcome("failed", "writer crashed")
    failed = cli(url, "generate", "--topics", str(topics), "--store", store)
    assert failed.returncode == 1
    assert topics.read_text().splitlines()[3] == "Edge caching basics"  # not done: retried

    assert cli(url, "generate", "--topics", str(topics), "--store", store).returncode == 0
    assert topics.read_text().splitlines()[3].endswith(": Edge caching basics")
    assert sorted(p.title for p in stored(store)) == [
        "Edge caching basics",
        "Serverless cold starts",
    ]
    left = cli(url, "generate", "--topics", str(topics), "--store", store)
    assert (left.returncode, left.stdout) == (0, f"no topics left in {topics}: nothing to do\n")
    both = cli(url, "generate", "--topics", str(topics), "--no-wait", "--store", store)
    assert both.returncode == 2


def test_a_post_that_breaks_a_publish_limit_is_refused_with_the_field_and_nothing_written(
    api, tmp_path
):
    url, _ = api
    store = f"sqlite:///{tmp_path}/posts.db"
    topic = "x" * 150 + " costs"  # the emulator makes a tag of each long word
    answer = cli(url, "generate", topic, "--store", store)
    assert answer.returncode == 2
    assert "breaks a publish limit (tags[1]: 150 chars, max 100)" in answer.stderr
    assert "nothing was stored" in answer.stderr
    assert stored(store) == []


def test_a_store_that_fails_is_exit_1_and_the_run_is_stored_later(api, tmp_path):
    url, _ = api
    database = tmp_path / "posts.db"
    store = f"sqlite:///{database}"
    assert stored(store) == []  # the tables exist
    refuse_new_posts(database, "disk full")
    answer = cli(url, "generate", TOPIC, "--store", store)
    assert answer.returncode == 1
    *_, error, hint = answer.stderr.splitlines()
    assert error == f"error: the store at {database} failed: IntegrityError: disk full"
    assert hint.startswith("resume with: wonderblogs-target run run-")
    allow_new_posts(database)
    again = cli(url, *hint.removeprefix("resume with: ").split()[1:])
    assert again.returncode == 0, again.stderr
    assert [post.title for post in stored(store)] == [TOPIC]


def test_every_command_in_every_store(api, store_url, in_process):
    """generate (by the one mapping), run after --no-wait, rewrite, translate
    and cover, into each store, through the command's main."""
    url, emulator = api
    slug = "kubernetes-cost-control-for-small-teams"
    answer = in_process(url, "generate", TOPIC, "--store", store_url, "--json")
    assert answer.returncode == 0, answer.stderr
    said = json.loads(answer.stdout)
    assert said["status"] == "completed"
    assert said["run_id"].startswith("run-")
    assert (said["slug"], said["locale"]) == (slug, "en")
    assert V1_KEY not in answer.stdout + answer.stderr
    [original] = stored(store_url)
    assert original.title == TOPIC
    assert original.content.startswith(f"## {TOPIC}")
    assert original.tags == ["control", "cost", "kubernetes", "small", "teams"]
    assert original.seo.meta_title == TOPIC
    assert original.seo.meta_description == f"What to know about {TOPIC}."
    assert original.description == original.seo.meta_description
    assert original.action is None

    started = in_process(url, "generate", "Edge caching basics", "--no-wait", "--store", store_url)
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.split()[1]
    resumed = in_process(url, "run", run_id, "--language", "fr", "--store", store_url, "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert (json.loads(resumed.stdout)["slug"], json.loads(resumed.stdout)["locale"]) == (
        "edge-caching-basics",
        "fr",
    )

    rewritten = in_process(
        url, "rewrite", slug, "--topic", "FinOps for small teams", "--store", store_url
    )
    assert rewritten.returncode == 0, rewritten.stderr
    store = open_store(store_url)
    try:
        post = store.find(slug, "en")
        assert post is not None
        assert post.revision == 2  # the same post, its next revision
        assert post.payload.title == "FinOps for small teams"
        assert post.payload.action == "update"
        assert post.payload.cover_image_url == original.cover_image_url  # a rewrite makes none
        assert store.count() == 2
    finally:
        store.close()

    translated = in_process(url, "translate", slug, "--to", "de", "--store", store_url, "--json")
    assert translated.returncode == 0, translated.stderr
    said = json.loads(translated.stdout)
    assert (said["slug"], said["locale"]) == (slug, "de")
    covered = in_process(url, "cover", slug, "--locale", "de", "--store", store_url, "--json")
    assert covered.returncode == 0, covered.stderr
    job = json.loads(covered.stdout)["job_id"]
    assert job.startswith("image-")
    store = open_store(store_url)
    try:
        german = store.find(slug, "de")
        assert german is not None
        assert german.payload.locale == "de"
        assert german.payload.cover_image_url == f"/api/v1/images/download/job/{job}"
        assert german.revision == 2
        assert store.find(slug, "en").payload.title == "FinOps for small teams"  # untouched
        assert store.count() == 3
    finally:
        store.close()
    if "generator=hugo" in store_url:  # Hugo links translations by their shared key
        folder = Path(store_url.split(":///", 1)[1].split("?")[0])
        for name in (f"{slug}.md", f"{slug}.de.md"):
            assert f"translationKey: {slug}\n" in (folder / name).read_text()

    before = len(emulator.requests)
    for args, says in (
        (["rewrite", "no-such-post"], "error: no post 'no-such-post' (en) in "),
        (["translate", slug, "--to", "xx"], "error: target_language: "),
        (["cover", slug, "--locale", "it"], f"error: no post '{slug}' (it) in "),
    ):
        refused = in_process(url, *args, "--store", store_url)
        assert refused.returncode == 2
        assert refused.stderr.startswith(says)
        assert refused.stderr.rstrip().endswith("no request was sent")
    assert len(emulator.requests) == before


def test_draft_makes_a_markdown_post_a_draft(api, tmp_path):
    url, _ = api
    folder = tmp_path / "posts"
    answer = cli(url, "generate", TOPIC, "--draft", "--store", f"markdown:///{folder}")
    assert answer.returncode == 0, answer.stderr
    [page] = folder.glob("*.md")
    assert "\ndraft: true\n" in page.read_text()


def test_cover_is_downloaded_with_the_stores_own_limits_and_checks(api, tmp_path):
    url, _ = api
    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://example.org/"\n')
    posts = f"markdown:///{site}/content/posts?generator=hugo"
    assert cli(url, "generate", TOPIC, "--store", posts).returncode == 0
    slug = "kubernetes-cost-control-for-small-teams"
    # The store's own limit refuses an image past it, as for any delivery: the post
    # keeps the cover's address, and the log says why there is no copy.
    limited = cli(url, "cover", slug, "--store", f"{posts}&images=download&image_max_bytes=10")
    assert limited.returncode == 0, limited.stderr
    assert f"cover image of '{slug}' not downloaded" in limited.stderr
    assert not (site / "static").exists()
    allowed = cli(url, "cover", slug, "--store", f"{posts}&images=download")
    assert allowed.returncode == 0, allowed.stderr
    [image] = (site / "static" / "images" / "wonderblogs").iterdir()
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (site / "content" / "posts" / f"{slug}.md").read_text()
    assert f"- /images/wonderblogs/{image.name}\n" in page
