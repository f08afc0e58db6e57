"""``wonderblogs-target serve`` as a real process: every store, restarts, the
config file, the key rules, and the inbox as a person sees it in Chromium."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from harness.browser import browse, screenshot
from harness.servers import free_port, server
from tests import samples
from tests.helpers import allow_new_posts, cli_env, refuse_new_posts
from wonderblogs_target import ConfigurationError
from wonderblogs_target.serve import load_config

KEY = "serve-key-0123"
AUTH = {"Authorization": f"Bearer {KEY}"}
CONFIG = """\
[context]
brand_identity = "Acme builds deployment tooling."
tone_of_voice = "Plain and precise."
instructions = "One example per article."
content_focus = "Cloud costs"

[context.visual_identity]
color_palette = ["#0B5FFF"]
visual_style = "flat-illustration"
"""


def wonderblogs_target() -> str:
    return str(Path(sys.executable).parent / "wonderblogs-target")


def serve_command(*args: str) -> list[str]:
    # server() runs sys.executable; the console script is a Python file too.
    return [wonderblogs_target(), "serve", *args]


def start(
    tmp_path: Path, store_url: str, *extra: str, port: int | None = None, config_text: str = CONFIG
):
    port = port or free_port()
    config = tmp_path / "wonderblogs.toml"
    config.write_text(config_text)
    command = serve_command(
        "--port", str(port), "--store", store_url, "--config", str(config), *extra
    )
    return server(command, port=port, env={"WONDERBLOGS_API_KEY": KEY}, cwd=tmp_path), port


def test_every_store_keeps_posts_across_restarts(store_url, tmp_path):
    running, port = start(tmp_path, store_url)
    url = f"http://127.0.0.1:{port}/api/wonderblogs"
    with running, httpx.Client(timeout=10) as http:
        assert (
            http.post(
                url, headers=AUTH, json=samples.payload(slug="first", title="First")
            ).status_code
            == 200
        )
        assert (
            http.post(
                url, headers=AUTH, json=samples.payload(slug="second", title="Second")
            ).status_code
            == 200
        )
        rewrite = samples.payload(slug="first", title="First, revised")
        assert http.post(url, headers=AUTH, json=rewrite).status_code == 200
        context = http.get(url, headers=AUTH).json()
        assert context["brand_identity"] == "Acme builds deployment tooling."
        assert context["visual_identity"] == {
            "color_palette": ["#0B5FFF"],
            "visual_style": "flat-illustration",
        }
        assert [a["title"] for a in context["recent_articles"]] == ["Second", "First, revised"]

    running, port = start(tmp_path, store_url, port=port)
    with running, httpx.Client(timeout=10) as http:
        context = http.get(url, headers=AUTH).json()
        assert [a["title"] for a in context["recent_articles"]] == ["Second", "First, revised"]
        inbox = http.get(f"http://127.0.0.1:{port}/", auth=("anyone", KEY))
        assert inbox.status_code == 200
        assert "First, revised" in inbox.text


def test_a_failed_write_is_a_5xx_and_the_repush_works(tmp_path):
    database = tmp_path / "posts.db"
    running, port = start(tmp_path, f"sqlite:///{database}")
    url = f"http://127.0.0.1:{port}/api/wonderblogs"
    with running, httpx.Client(timeout=10) as http:
        refuse_new_posts(database, "simulated disk failure")
        failed = http.post(url, headers=AUTH, json=samples.PAYLOAD)
        assert failed.status_code == 500
        assert "disk" not in failed.text
        allow_new_posts(database)
        assert http.post(url, headers=AUTH, json=samples.PAYLOAD).status_code == 200
        assert len(http.get(url, headers=AUTH).json()["recent_articles"]) == 1


def test_a_failed_delivery_is_listed_and_applied_again_from_the_command_line(tmp_path):
    """serve keeps the article of a 5xx; ``deliveries list`` shows it, ``deliveries
    apply`` stores it once the database takes writes again, once."""
    database = tmp_path / "posts.db"
    store = f"sqlite:///{database}"
    running, port = start(tmp_path, store)
    url = f"http://127.0.0.1:{port}/api/wonderblogs"
    with running, httpx.Client(timeout=10) as http:
        refuse_new_posts(database, "attempt to write a readonly database")
        assert http.post(url, headers=AUTH, json=samples.PAYLOAD).status_code == 500
        assert http.post(url, json=samples.PAYLOAD).status_code == 401  # refused: nothing kept

        listed = run_cli("deliveries", "list", "--store", store, cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        [head, error] = listed.stdout.splitlines()
        delivery = head.split()[0]
        assert f"  500  {samples.PAYLOAD['slug']} (en)  waiting" in head
        assert "readonly database" in error
        assert KEY not in listed.stdout + listed.stderr

        still = run_cli("deliveries", "apply", delivery, "--store", store, cwd=tmp_path)
        assert still.returncode == 1
        assert "not stored" in still.stderr
        assert "Traceback" not in still.stderr
        [line] = run_cli(
            "deliveries", "list", "--waiting", "--json", "--store", store, cwd=tmp_path
        ).stdout.splitlines()
        waiting = json.loads(line)
        assert waiting["id"] != delivery  # kept anew, as the newest
        assert f"kept again as delivery {waiting['id']}" in still.stderr

        allow_new_posts(database)
        applied = run_cli("deliveries", "apply", waiting["id"], "--store", store, cwd=tmp_path)
        assert applied.returncode == 0, applied.stderr
        assert f"stored from delivery {waiting['id']}" in applied.stdout
        context = http.get(url, headers=AUTH).json()
        assert [a["title"] for a in context["recent_articles"]] == [samples.PAYLOAD["title"]]

        twice = run_cli("deliveries", "apply", waiting["id"], "--store", store, cwd=tmp_path)
        assert twice.returncode == 2
        assert "was applied again at" in twice.stderr
        unknown = run_cli("deliveries", "apply", "999", "--store", store, cwd=tmp_path)
        assert (unknown.returncode, unknown.stderr) == (2, "error: no delivery '999' in the log\n")
        none = run_cli("deliveries", "list", "--waiting", "--store", store, cwd=tmp_path)
        assert none.stdout == "no deliveries waiting to be applied again\n"
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM wb_posts").fetchone() == (1,)


def test_deliveries_on_a_store_that_cannot_open_is_one_line_and_exit_2(tmp_path):
    answer = run_cli("deliveries", "list", "--store", "sqlite:///missing/x.db", cwd=tmp_path)
    assert answer.returncode == 2
    assert answer.stderr.startswith("error: ")
    assert len(answer.stderr.splitlines()) == 1


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [wonderblogs_target(), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=cli_env(**(env or {})),
        cwd=cwd,
    )


def test_refuses_to_start_without_a_key(tmp_path):
    result = run_cli("serve", "--port", str(free_port()), cwd=tmp_path)
    assert result.returncode == 2
    assert "refusing to start without a key" in result.stderr
    assert not (tmp_path / "wonderblogs.db").exists()


def test_insecure_mode_takes_only_json_so_no_web_page_can_post(tmp_path):
    port = free_port()
    command = serve_command("--port", str(port), "--insecure-no-auth")
    with server(command, port=port, env={}, cwd=tmp_path), httpx.Client(timeout=10) as http:
        api = f"http://127.0.0.1:{port}/api/wonderblogs"
        body = samples.body(samples.PAYLOAD)
        form = http.post(api, content=body, headers={"Content-Type": "text/plain"})
        assert form.status_code == 415
        sent = http.post(api, content=body, headers={"Content-Type": "application/json"})
        assert sent.status_code == 200


def test_insecure_mode_says_so_loudly_and_serves_the_demo_context(tmp_path):
    port = free_port()
    command = serve_command("--port", str(port), "--insecure-no-auth")
    with server(command, port=port, env={}, cwd=tmp_path) as process:
        context = httpx.get(f"http://127.0.0.1:{port}/api/wonderblogs", timeout=10).json()
        assert context["brand_identity"].startswith("DEMO CONTEXT")
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    assert "WARNING: --insecure-no-auth" in output
    assert (tmp_path / "wonderblogs.db").exists()


def test_the_key_is_never_printed(tmp_path):
    port = free_port()
    command = serve_command("--port", str(port))
    with server(command, port=port, env={"WONDERBLOGS_API_KEY": KEY}, cwd=tmp_path) as process:
        httpx.get(f"http://127.0.0.1:{port}/api/wonderblogs", headers=AUTH, timeout=10)
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    assert "Wonderblogs target: http://127.0.0.1" in output
    assert KEY not in output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[context\n", "not valid TOML"),
        (
            CONFIG.replace("Plain and precise.", "x" * 5_001),
            "wonderblogs.toml:3: context.tone_of_voice: String should have at most 5000 characters",
        ),
        (
            CONFIG + "favourite_colour = 'teal'\n",
            "wonderblogs.toml:10: context.visual_identity.favourite_colour: "
            "Extra inputs are not permitted",
        ),
        (
            CONFIG.replace('content_focus = "Cloud costs"\n', ""),
            "context.content_focus: Field required",
        ),
        (
            CONFIG + "\n[servr]\nport = 1\n",
            "wonderblogs.toml:11: servr: Extra inputs are not permitted",
        ),
        (
            CONFIG + "\n[serve]\nport = 70000\n",
            "wonderblogs.toml:12: serve.port: Input should be less than or equal to 65535",
        ),
        (
            "[context]\nrecent_articles = []\n",
            "wonderblogs.toml:2: context.recent_articles: comes from the store",
        ),
        ("[inbox]\ntitle = 'x'\n", "a [context] table"),
        (
            "brand_identity = 3\n" + CONFIG,
            "wonderblogs.toml:1: brand_identity: a brand context key belongs under [context]",
        ),
    ],
)
def test_config_errors_name_the_line_and_the_rule(tmp_path, text, message):
    config = tmp_path / "wonderblogs.toml"
    config.write_text(text)
    with pytest.raises(ConfigurationError) as caught:
        load_config(config)
    assert message in str(caught.value).replace(str(tmp_path) + "/", "")
    result = run_cli(
        "serve", "--config", str(config), env={"WONDERBLOGS_API_KEY": KEY}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert message in result.stderr.replace(str(tmp_path) + "/", "")


def test_a_missing_config_file_is_a_clear_error(tmp_path):
    result = run_cli(
        "serve", "--config", "nope.toml", env={"WONDERBLOGS_API_KEY": KEY}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "nope.toml: cannot read" in result.stderr
    # Where a whole file to start from is.
    assert "https://wonderblogs-target.github.io/wonderblogs-target/static-sites/" in result.stderr


def test_unknown_store_url_is_a_clear_error(tmp_path):
    result = run_cli(
        "serve", "--store", "mongodb://x", env={"WONDERBLOGS_API_KEY": KEY}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "unknown store" in result.stderr


def refused_store(store_url: str, cwd: Path) -> str:
    """``serve --store store_url`` refused at start-up: exit 2, no traceback,
    and the one line it said."""
    result = run_cli("serve", "--store", store_url, env={"WONDERBLOGS_API_KEY": KEY}, cwd=cwd)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    return line


def test_a_store_url_that_does_not_parse_is_one_line_without_its_password(tmp_path):
    line = refused_store("postgresql://user:hunter2@[::1/db", tmp_path)
    assert line == "error: the postgresql URL cannot be read: Invalid IPv6 URL"


@pytest.mark.parametrize("port", ["70000", "0", "-1", "http"])
def test_a_port_that_is_not_one_is_a_usage_error(port, tmp_path):
    """--port 70000 listened on 4464 and printed 70000; --port 0 listened on 8000."""
    result = run_cli("serve", "--port", port, env={"WONDERBLOGS_API_KEY": KEY}, cwd=tmp_path)
    assert result.returncode == 2
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # no banner: nothing started


def test_an_unusable_sqlite_path_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    line = refused_store(f"sqlite:///{tmp_path}/a-file/wonderblogs.db", tmp_path)
    assert f"cannot open SQLite file {tmp_path}/a-file/wonderblogs.db" in line


@pytest.mark.parametrize(
    ("where", "says"),
    [("a-file", "that path is a file, not a folder"), ("a-file/posts", "cannot be created")],
)
def test_an_unusable_markdown_folder_is_one_line_and_exit_2(where, says, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    line = refused_store(f"markdown:///{tmp_path}/{where}", tmp_path)
    assert f"Markdown store at {tmp_path}/{where}: " in line
    assert says in line


def test_a_sqlite_file_in_a_missing_folder_is_refused_and_no_folder_made(tmp_path):
    """sqlite:////nonexistent-dir/sub/x.db made both folders at the root."""
    missing = tmp_path / "nonexistent-dir" / "sub"
    line = refused_store(f"sqlite:///{missing}/x.db", tmp_path)
    assert f"the folder {missing} does not exist" in line
    assert not (tmp_path / "nonexistent-dir").exists()


def test_a_port_in_use_is_said_before_the_banner(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "serve", "--port", str(port), env={"WONDERBLOGS_API_KEY": KEY}, cwd=tmp_path
        )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()  # no banner, no uvicorn traceback
    assert line == (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use; choose another --port"
    )


def test_a_password_in_a_store_url_is_never_printed(tmp_path):
    result = run_cli(
        "serve",
        "--store",
        "postgresql://user:hunter2@127.0.0.1:1/db?password=hunter3&sslmode=disable",
        env={"WONDERBLOGS_API_KEY": KEY},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "hunter2" not in result.stdout + result.stderr
    assert "hunter3" not in result.stdout + result.stderr
    assert "cannot reach PostgreSQL" in result.stderr


def test_on_loopback_only_loopback_host_names_are_answered(tmp_path):
    """A web page whose DNS name is rebound to 127.0.0.1 sends its own Host."""
    running, port = start(tmp_path, f"sqlite:///{tmp_path}/x.db", "--allowed-host", "wb.test")
    with running, httpx.Client(timeout=10) as http:
        api = f"http://127.0.0.1:{port}/api/wonderblogs"
        for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example"):
            refused = http.get(api, headers={**AUTH, "Host": host})
            assert refused.status_code == 421, host
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", "wb.test", "WB.test:8"):
            assert http.get(api, headers={**AUTH, "Host": host}).status_code == 200, host
        assert (
            http.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "x.example"}).status_code
            == 421
        )


def test_a_huge_post_number_in_the_inbox_is_404(tmp_path):
    running, port = start(tmp_path, f"sqlite:///{tmp_path}/x.db")
    auth = ("reader", KEY)
    with running:
        base = f"http://127.0.0.1:{port}"
        for post_id in ("99999999999999999999999", "9" * 400, "1" + "0" * 19):
            assert httpx.get(f"{base}/posts/{post_id}", auth=auth, timeout=10).status_code == 404


def test_inbox_auth_and_a_separate_inbox_key(tmp_path):
    running, port = start(tmp_path, f"sqlite:///{tmp_path}/x.db")
    with running:
        base = f"http://127.0.0.1:{port}"
        denied = httpx.get(base + "/", timeout=10)
        assert denied.status_code == 401
        assert denied.headers["www-authenticate"].startswith("Basic")
        assert httpx.get(base + "/", auth=("u", "wrong"), timeout=10).status_code == 401
        assert httpx.get(base + "/", headers=AUTH, timeout=10).status_code == 200
        assert httpx.get(base + "/healthz", timeout=10).text == "ok"
    (tmp_path / "wonderblogs.toml").write_text(CONFIG + "\n[inbox]\napi_key = 'reader-key'\n")
    port = free_port()
    command = serve_command("--port", str(port), "--config", "wonderblogs.toml")
    with server(command, port=port, env={"WONDERBLOGS_API_KEY": KEY}, cwd=tmp_path):
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(base + "/", auth=("u", "reader-key"), timeout=10).status_code == 200
        assert httpx.get(base + "/", auth=("u", KEY), timeout=10).status_code == 401


# -- the inbox in a real browser ------------------------------------------------------------

HOSTILE = samples.payload(
    slug="hostile",
    title="Title with <b>tags</b> & ampersands",
    content=(
        "## Heading from Markdown\n\n"
        "Some **bold** text and `code`.\n\n"
        "<script>document.title='pwned'</script>\n\n"
        "<img src=x onerror=\"document.title='pwned'\">\n\n"
        "[click me](javascript:document.title='pwned')\n"
    ),
)


def test_inbox_in_chromium(tmp_path):
    running, port = start(tmp_path, f"sqlite:///{tmp_path}/x.db")
    with running:
        api = f"http://127.0.0.1:{port}/api/wonderblogs"
        assert httpx.post(api, headers=AUTH, json=HOSTILE, timeout=10).status_code == 200
        assert httpx.post(api, headers=AUTH, json=samples.PAYLOAD, timeout=10).status_code == 200
        base = f"http://reader:{KEY}@127.0.0.1:{port}"

        index = browse(base + "/", tmp_path / "p1", "--dump-dom")
        assert "<h1>Wonderblogs inbox</h1>" in index
        assert "2 articles" in index
        assert "Title with &lt;b&gt;tags&lt;/b&gt; &amp; ampersands" in index
        assert samples.PAYLOAD["title"] in index

        page = browse(base + "/posts/1", tmp_path / "p2", "--dump-dom")
        assert "<title>Title with &lt;b&gt;tags&lt;/b&gt; &amp; ampersands</title>" in page
        assert "pwned" not in page.split("<title>")[1].split("</title>")[0]
        assert "<h2>Heading from Markdown</h2>" in page
        assert "<strong>bold</strong>" in page
        assert "&lt;script&gt;" in page  # shown as text, never run
        assert "<script>" not in page.split("<body>")[1]
        assert '<img src="x"' not in page
        assert 'href="javascript:' not in page

        screenshot(base + "/posts/2", tmp_path / "p3", "serve-inbox-post.png", "1000,900")


def test_metrics_count_requests_publishes_and_store_errors(tmp_path):
    """/metrics, in process through Starlette's client: behind the inbox key
    unless public."""
    import sqlite3

    from starlette.testclient import TestClient

    from wonderblogs_target.serve import create_app, load_config, open_store

    config_file = tmp_path / "wonderblogs.toml"
    config_file.write_text(CONFIG)
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    app = create_app(store=store, config=load_config(config_file), api_key=KEY)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        api = "/api/wonderblogs"
        assert client.post(api, headers=AUTH, json=samples.PAYLOAD).status_code == 200
        assert client.get(api, headers=AUTH).status_code == 200
        assert client.get(api).status_code == 401
        with sqlite3.connect(tmp_path / "m.db") as db:
            db.execute("DROP TABLE wb_revisions")
        assert client.post(api, headers=AUTH, json=samples.PAYLOAD).status_code == 500
        assert client.get("/metrics").status_code == 401
        text = client.get("/metrics", auth=("reader", KEY)).text
    assert 'wonderblogs_requests_total{route="target",status="200"} 2.0' in text
    assert 'wonderblogs_requests_total{route="target",status="401"} 1.0' in text
    assert "wonderblogs_publish_duration_seconds_count 1.0" in text
    assert "wonderblogs_store_errors_total 1.0" in text
    assert KEY not in text

    public = create_app(
        store=open_store(f"sqlite:///{tmp_path}/p.db"),
        config=load_config(config_file),
        api_key=KEY,
        metrics_public=True,
    )
    with TestClient(public, base_url="http://127.0.0.1") as client:
        assert client.get("/metrics").status_code == 200


def test_the_post_page_counts_the_kept_revisions_under_the_setting(tmp_path):
    """The count comes from the store without loading the revisions; it
    follows the retention setting of the store's URL."""
    from starlette.testclient import TestClient

    from wonderblogs_target.serve import ServeConfig, create_app, open_store

    store = open_store(f"sqlite:///{tmp_path}/r.db?revisions=2")
    app = create_app(store=store, config=ServeConfig(), api_key=KEY)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for n in range(4):
            body = {**samples.PAYLOAD, "title": f"Version {n}"}
            assert client.post("/api/wonderblogs", headers=AUTH, json=body).status_code == 200
        page = client.get("/posts/1", auth=("reader", KEY)).text
    assert "<td>4 (2 earlier kept)</td>" in page
    assert "Version 3" in page


def test_the_access_log_has_a_line_per_request_without_the_query_string(tmp_path):
    import io

    from starlette.testclient import TestClient

    from wonderblogs_target.serve import ServeConfig, create_app, open_store

    lines = io.StringIO()
    store = open_store(f"sqlite:///{tmp_path}/a.db")
    app = create_app(store=store, config=ServeConfig(), api_key=KEY, access_log=lines)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert (
            client.post("/api/wonderblogs", headers=AUTH, json=samples.PAYLOAD).status_code == 200
        )
        assert client.get("/api/wonderblogs?token=query-secret").status_code == 401
        assert client.get("/", headers={"host": "evil.example"}).status_code == 421
    written = lines.getvalue().splitlines()
    assert len(written) == 3, written
    assert re.fullmatch(
        r'testclient:\d+ "POST /api/wonderblogs HTTP/1\.1" 200 [\d.]+ ms', written[0]
    )
    assert re.fullmatch(
        r'testclient:\d+ "GET /api/wonderblogs HTTP/1\.1" 401 [\d.]+ ms', written[1]
    )
    assert '"GET / HTTP/1.1" 421' in written[2]  # a refused Host is logged too
    assert "query-secret" not in lines.getvalue()


def test_serve_refuses_a_cover_on_its_own_loopback(tmp_path):
    """Server-side request forgery through serve: by default a cover on a
    loopback port is never requested, and the post is kept without the copy."""
    from tests.image_server import image_server, seen

    posts = tmp_path / "site" / "content" / "posts"
    with image_server() as images:
        running, port = start(tmp_path, f"markdown:///{posts}?images=download")
        url = f"http://127.0.0.1:{port}/api/wonderblogs"
        with running as process, httpx.Client(timeout=10) as http:
            for form in (images, images.replace("127.0.0.1", "localhost")):
                payload = samples.payload(slug="p", coverImageUrl=f"{form}/pixel.png")
                assert http.post(url, headers=AUTH, json=payload).status_code == 200
        output = process.stdout.read().decode()
        assert seen(images) == []
    assert (posts / "p.md").exists()
    assert not (posts.parent.parent / "static").exists()
    assert not (posts / "images").exists()
    assert "not a public internet address" in output


def test_a_static_site_with_cover_copies_and_a_commit_per_post(tmp_path):
    from tests.image_server import image_server
    from wonderblogs_target.testing import PNG_PIXEL

    site = tmp_path / "site"
    site.mkdir()
    (site / "hugo.toml").write_text('title = "Site"\n')
    for args in (["init", "--quiet"], ["add", "hugo.toml"], ["commit", "--quiet", "-m", "site"]):
        subprocess.run(
            ["git", "-c", "user.name=P", "-c", "user.email=p@example.org", *args],
            cwd=site,
            check=True,
        )
    # The image server is on loopback: allowed here, as a site allows its image host.
    store = f"markdown:///{site}/content/posts?images=download&images_allow=127.0.0.1&git=commit"
    with image_server() as images:
        running, port = start(tmp_path, store, "--wonderblogs-key", "wb-v1-secret-key")
        url = f"http://127.0.0.1:{port}/api/wonderblogs"
        with running as process, httpx.Client(timeout=10) as http:
            cover = f"{images}/pixel.png"
            answer = http.post(
                url, headers=AUTH, json=samples.payload(slug="p", coverImageUrl=cover)
            )
            assert answer.status_code == 200
        output = process.stdout.read().decode()
    [copy] = (site / "static" / "images" / "wonderblogs").iterdir()
    assert copy.read_bytes() == PNG_PIXEL
    assert f"/images/wonderblogs/{copy.name}" in (site / "content" / "posts" / "p.md").read_text()
    log = subprocess.run(
        ["git", "log", "--format=%s", "--name-only", "-1"], cwd=site, capture_output=True, text=True
    ).stdout
    assert "wonderblogs: publish p (en), revision 1" in log
    assert "content/posts/p.md" in log
    assert f"static/images/wonderblogs/{copy.name}" in log
    assert "wb-v1-secret-key" not in output
    assert re.search(r'127\.0\.0\.1:\d+ "POST /api/wonderblogs HTTP/1\.1" 200 [\d.]+ ms\n', output)


def test_a_bad_markdown_option_is_one_line_and_exit_2(tmp_path):
    result = run_cli(
        "serve",
        "--store",
        f"markdown:///{tmp_path}/posts?generator=gatsby",
        env={"WONDERBLOGS_API_KEY": KEY},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "unknown generator 'gatsby'" in result.stderr


def test_the_inbox_shows_the_checkers_articles_apart():
    from datetime import datetime, timezone

    from wonderblogs_target import PublishPayload
    from wonderblogs_target.check import sample_article
    from wonderblogs_target.serve.inbox import render_index
    from wonderblogs_target.stores import StoredPost

    now = datetime.now(timezone.utc)
    posts = [
        StoredPost("1", PublishPayload.model_validate(sample_article()), now, now, 1),
        StoredPost("2", PublishPayload.model_validate(samples.PAYLOAD), now, now, 1),
    ]
    page = render_index("Inbox", posts, demo=False)
    check_row, real_row = page.split("<tr")[2:4]
    assert "class=check" in check_row
    assert "test article from wonderblogs-target check" in check_row
    assert "class=check" not in real_row
    assert "test article from" not in real_row


def test_a_cover_on_the_wonderblogs_api_is_fetched_with_the_v1_key(tmp_path):
    """serve --wonderblogs-key --wonderblogs-url, against the emulator on a real port."""
    from tests.emulator_server import emulator_server
    from wonderblogs_target.testing import PNG_PIXEL

    posts = tmp_path / "site" / "content" / "posts"
    with emulator_server("wb-v1-serve-key") as (v1_url, emulator):
        with emulator.client() as client:
            job = client.wait_for_image(client.generate_image("Title", "Content").job_id)
        running, port = start(
            tmp_path,
            f"markdown:///{posts}?images=download",
            "--wonderblogs-key",
            "wb-v1-serve-key",
            "--wonderblogs-url",
            v1_url,
        )
        url = f"http://127.0.0.1:{port}/api/wonderblogs"
        with running as process, httpx.Client(timeout=10) as http:
            payload = samples.payload(slug="p", coverImageUrl=job.image_url)
            assert http.post(url, headers=AUTH, json=payload).status_code == 200
        output = process.stdout.read().decode()
    [copy] = (posts / "images").iterdir()
    assert copy.read_bytes() == PNG_PIXEL
    assert f"- images/{copy.name}" in (posts / "p.md").read_text()
    assert "wb-v1-serve-key" not in output


def test_serve_help_never_cuts_a_word_and_a_usage_error_comes_first(tmp_path):
    import re as regex

    helped = run_cli("serve", "--help", env={"COLUMNS": "80"}, cwd=tmp_path)
    assert helped.returncode == 0
    assert "generator=hugo|jekyll|astro|mkdocs|pelican" in helped.stdout  # one piece
    # No line ends inside a word of the store option (it broke "generator=h|ugo").
    assert not regex.search(r"generator=h\n", helped.stdout)
    failed = run_cli("serve", "--port", "x", env={"WONDERBLOGS_API_KEY": KEY}, cwd=tmp_path)
    assert failed.returncode == 2
    first, second = failed.stderr.strip().splitlines()
    assert first.startswith("wonderblogs-target serve: error: argument --port")
    assert second == "(see wonderblogs-target serve --help)"


def _raw_request(port: int, head: bytes) -> bytes:
    """Send ``head`` as it is and read the whole answer (the server closes)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_header_block_over_the_limit_is_431_and_the_connection_closes(tmp_path):
    import socket

    from wonderblogs_target.serve.server import HEADER_LIMIT

    running, port = start(tmp_path, f"sqlite:///{tmp_path}/x.db")
    start_line = f"GET /api/wonderblogs HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
    with running:
        # A head that has not ended by the limit: all of it read, then 431.
        answer = _raw_request(port, start_line + b"X-Pad: " + b"a" * (HEADER_LIMIT + 8192))
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        assert b"connection: close" in answer
        assert answer.endswith(
            f'{{"error":"The request line and headers exceed {HEADER_LIMIT} bytes"}}'.encode()
        )
        # 64 MiB of header: the server stops reading long before the end.
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as flood,
            pytest.raises((BrokenPipeError, ConnectionResetError)),
        ):
            flood.sendall(start_line + b"X-Pad: " + b"a" * (64 * 1024 * 1024))
        # A head within the limit is read and answered as usual.
        fits = (
            start_line
            + f"Authorization: Bearer {KEY}\r\nConnection: close\r\nX-Pad: ".encode()
            + b"a" * (HEADER_LIMIT - 1024)
            + b"\r\n\r\n"
        )
        assert _raw_request(port, fits).startswith(b"HTTP/1.1 200 ")
        # A malformed head is still a 400, not a 431.
        assert _raw_request(port, b"NOT HTTP\r\n\r\n").startswith(b"HTTP/1.1 400 ")


def test_on_a_full_disk_the_markdown_store_still_answers_reads(tmp_path):
    """The disk fills up under a running serve (here: its file-size limit
    drops to nothing, so every write that grows a file fails as on a full
    disk). A person removes a post meanwhile, so the next read finds the index
    behind the folder; the context and the inbox still answer, from the files."""
    import resource

    posts = tmp_path / "posts"
    running, port = start(tmp_path, f"markdown:///{posts}")
    base = f"http://127.0.0.1:{port}"
    with running as process, httpx.Client(timeout=10) as http:
        for slug in ("kept", "removed"):
            published = http.post(
                f"{base}/api/wonderblogs", headers=AUTH,
                json=samples.payload(slug=slug, title=slug.title()),
            )  # fmt: skip
            assert published.status_code == 200, published.text
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (0, 0))
        (posts / "removed.md").unlink()
        context = http.get(f"{base}/api/wonderblogs", headers=AUTH)
        assert context.status_code == 200, context.text
        assert [a["title"] for a in context.json()["recent_articles"]] == ["Kept"]
        inbox = http.get(f"{base}/", auth=("reader", KEY))
        assert inbox.status_code == 200
        assert "Kept" in inbox.text
        assert "Removed" not in inbox.text
        # A write on the full disk fails as a write should: a 5xx, nothing lost.
        failed = http.post(
            f"{base}/api/wonderblogs", headers=AUTH, json=samples.payload(slug="later")
        )
        assert failed.status_code >= 500
        assert (posts / "kept.md").exists()


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` made read-only for this machine's user, and back after:
    a read-only file system for root (whom permissions do not stop), the
    permissions for anyone else."""
    import os

    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize(
    ("store", "says"),
    [
        ("sqlite:///{folder}/new.db", "cannot create SQLite file {folder}/new.db: the folder"),
        ("sqlite:///{folder}/old.db", "cannot open SQLite file {folder}/old.db: the folder"),
        ("markdown:///{folder}", "Markdown store at {folder}: this process cannot write"),
    ],
)
def test_a_read_only_store_location_says_which_path(store, says, tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    sqlite3.connect(folder / "old.db").close()
    with read_only(folder):
        line = refused_store(store.format(folder=folder), tmp_path)
    assert says.format(folder=folder) in line
    if store.startswith("sqlite"):
        assert f"the folder {folder} is not writable by this process" in line


def test_check_says_how_to_remove_its_test_article_and_prune_does(tmp_path):
    """After check --publish, the context never lists the test article, and
    prune (as check's own output says) removes it from the store serve used."""
    store_url = f"sqlite:///{tmp_path}/x.db"
    running, port = start(tmp_path, store_url)
    url = f"http://127.0.0.1:{port}/api/wonderblogs"
    with running:
        checked = run_cli("check", url, "--key", KEY, "--publish", "--rewrite", cwd=tmp_path)
        assert checked.returncode == 0, checked.stdout
        assert "wonderblogs-target prune --store URL" in checked.stdout
        published = httpx.post(url, headers=AUTH, json=samples.payload(slug="real", title="Real"))
        assert published.status_code == 200
    said = run_cli("prune", "--store", store_url, "--dry-run", cwd=tmp_path)
    assert said.returncode == 0, said.stderr
    assert "would remove 1 test article(s)" in said.stdout
    pruned = run_cli("prune", "--store", store_url, cwd=tmp_path)
    assert pruned.returncode == 0, pruned.stderr
    assert "removed 1 test article(s)" in pruned.stdout
    with sqlite3.connect(tmp_path / "x.db") as db:
        slugs = [slug for (slug,) in db.execute("SELECT slug FROM wb_posts")]
        assert slugs == ["real"]
        assert db.execute("SELECT COUNT(*) FROM wb_revisions").fetchone()[0] == 0
    again = run_cli("prune", "--store", store_url, cwd=tmp_path)
    assert "no test articles of wonderblogs-target check to remove" in again.stdout
    bad = run_cli("prune", "--store", "nosuch://x", cwd=tmp_path)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("value", ["-1", "many", "2&revisions=3"])
def test_a_revisions_setting_that_is_not_one_is_one_line_and_exit_2(value, tmp_path):
    line = refused_store(f"sqlite:///{tmp_path}/x.db?revisions={value}", tmp_path)
    assert "revisions" in line


def _wait_for(condition, what: str, seconds: float = 60) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def test_a_deferred_cover_survives_a_killed_server_and_is_attached_once(tmp_path):
    """``defer=covers``: the answer comes before the cover; the server is
    killed mid-download; the next server takes the job once its lease ran
    out, and the post gets its copy once, in one commit."""
    from tests.image_server import HELD, image_server, seen
    from wonderblogs_target.testing import PNG_PIXEL

    site = tmp_path / "site"
    site.mkdir()
    (site / "hugo.toml").write_text('title = "Site"\n')
    for args in (["init", "--quiet"], ["add", "hugo.toml"], ["commit", "--quiet", "-m", "site"]):
        subprocess.run(
            ["git", "-c", "user.name=P", "-c", "user.email=p@example.org", *args],
            cwd=site,
            check=True,
        )
    posts = site / "content" / "posts"
    store = f"markdown:///{posts}?images=download&images_allow=127.0.0.1&git=commit&defer=covers"
    config = CONFIG + "\n[deferred]\nlease = 2\nfirst_pause = 1\n"
    HELD.clear()  # the first download hangs until the server is killed
    try:
        with image_server() as images:
            cover = f"{images}/held.png"
            running, port = start(tmp_path, store, config_text=config)
            url = f"http://127.0.0.1:{port}/api/wonderblogs"
            with running as process, httpx.Client(timeout=10) as http:
                answer = http.post(
                    url, headers=AUTH, json=samples.payload(slug="p", coverImageUrl=cover)
                )
                assert answer.status_code == 200  # while the download is held
                assert cover in (posts / "p.md").read_text()  # linked until the copy comes
                _wait_for(
                    lambda: "/held.png" in [path for path, _ in seen(images)],
                    "the worker's download",
                )
                process.kill()
                process.wait(timeout=30)
            HELD.set()
            running, port = start(tmp_path, store, config_text=config)
            with running:
                copies = site / "static" / "images" / "wonderblogs"
                _wait_for(
                    lambda: "/images/wonderblogs/" in (posts / "p.md").read_text(),
                    "the cover attached by the next server",
                )
            assert [path for path, _ in seen(images)].count("/held.png") == 2
    finally:
        HELD.clear()
    [copy] = copies.iterdir()
    assert copy.read_bytes() == PNG_PIXEL
    text = (posts / "p.md").read_text()
    assert text.count(f"/images/wonderblogs/{copy.name}") == 1
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=site, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert log.count("wonderblogs: cover of p (en)") == 1
    assert log[1] == "wonderblogs: publish p (en), revision 1"
    listed = run_cli("deliveries", "jobs", "--store", store, "--json")
    assert listed.returncode == 0, listed.stderr
    [job] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (job["kind"], job["subject"], job["state"], job["attempts"]) == ("cover", "p", "done", 2)
    assert job["message"].startswith("cover attached: /images/wonderblogs/")


def test_deliveries_jobs_lists_failed_jobs_and_runs_one_again(tmp_path):
    from wonderblogs_target.stores import open_store
    from wonderblogs_target.stores._jobs import Backoff, run_job

    posts = tmp_path / "posts"
    posts.mkdir()
    plain = run_cli("deliveries", "jobs", "--store", f"markdown:///{posts}")
    assert plain.returncode == 2
    assert "defers no work (see defer=)" in plain.stderr
    url = f"markdown:///{posts}?images=download&defer=covers"
    assert run_cli("deliveries", "jobs", "--store", url).stdout == "no deferred jobs\n"
    store = open_store(url)
    queue = store.job_queue
    ident = queue.enqueue("cover", "p")
    assert run_job(queue, queue.claim(lease=60), {}, Backoff(attempts=1)) == "failed"
    store.close()
    listed = run_cli("deliveries", "jobs", "--store", url, "--failed")
    assert listed.returncode == 0
    assert listed.stdout.startswith(f"{ident}  ")
    assert "cover p  failed after 1 attempt(s)\n    LookupError: no handler" in listed.stdout
    again = run_cli("deliveries", "jobs", "--store", url, "--again", ident)
    assert (again.returncode, again.stdout) == (0, f"job {ident} waits for the worker again\n")
    assert run_cli("deliveries", "jobs", "--store", url, "--failed").stdout == "no failed jobs\n"
    twice = run_cli("deliveries", "jobs", "--store", url, "--again", ident)
    assert (twice.returncode, twice.stderr) == (2, f"error: no failed job {ident!r}\n")


_GIVE_BACK = """
import sys
from wonderblogs_target.serve.server import give_back_large_blocks

def resident():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024

given = give_back_large_blocks()
first = b"x" * (8 << 20)
del first  # by default this freed block raises glibc's threshold to 8 MiB
before = resident()
blocks, kept = [], []
for _ in range(24):  # 120 MiB, as bodies in flight, each followed by a small
    blocks.append(b"x" * (5 << 20))  # object that lives on (a log line, say)
    kept.append(bytearray(2048))
held = resident()
del blocks
print(given, held - before, resident() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_serve_gives_large_blocks_back_to_the_system_when_they_are_freed():
    """What `serve` sets before it listens: large bodies freed are unmapped at
    once, not kept by the heap of the thread that freed them."""
    out = subprocess.run(
        [sys.executable, "-c", _GIVE_BACK], capture_output=True, text=True, check=True
    ).stdout.split()
    given, held, after = out[0], int(out[1]), int(out[2])
    assert given == "True"
    assert held >= 100  # the blocks were really there
    assert after < 10, f"{after} MiB still resident after freeing {held} MiB"
