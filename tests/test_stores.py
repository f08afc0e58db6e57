"""One suite for every store of ``serve``: SQLite, PostgreSQL (a real server)
and Markdown files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests import samples
from wonderblogs_target import PublishPayload, PublishRejected
from wonderblogs_target.stores import open_store


def article(**changes) -> PublishPayload:
    return PublishPayload.model_validate(samples.payload(**changes))


@pytest.fixture
def store(store_url):
    opened = open_store(store_url)
    yield opened
    opened.close()


def kind(store) -> str:
    return type(store).__name__


def test_save_and_read_back(store):
    saved = store.save(article(wordCount=900))
    [recent] = store.recent()
    assert recent.id == saved.id
    assert recent.payload == saved.payload
    assert recent.payload.model_extra == {"wordCount": 900}
    got = store.get(saved.id)
    assert got is not None
    assert got.payload.seo.meta_title == samples.PAYLOAD["seo"]["metaTitle"]
    assert got.payload.sources == saved.payload.sources
    assert got.revision == 1
    assert store.get("no-such-post") is None
    assert store.get("../../etc/passwd") is None


def test_a_repush_updates_instead_of_duplicating(store):
    first = store.save(article(title="First title"))
    second = store.save(article(title="Second title"))
    assert second.id == first.id
    assert second.revision == 2
    assert store.count() == 1
    assert [p.payload.title for p in store.recent()] == ["Second title"]
    assert store.get(first.id).published_at == first.published_at
    if kind(store) != "MarkdownStore":
        [older] = store.revisions(first.id)
        assert older.payload.title == "First title"
        assert older.revision == 1


def test_other_locale_is_another_post(store):
    store.save(article())
    store.save(article(locale="de", title="Auf Deutsch"))
    assert store.count() == 2


def test_a_rewrite_finds_its_post_by_external_id_first(store):
    original = store.save(article(externalId="ext-7"))
    rewrite = samples.payload(action="update", externalId="ext-7", slug="a-new-slug", title="New")
    rewrite["seo"]["slug"] = "a-new-slug"
    saved = store.save(PublishPayload.model_validate(rewrite))
    assert store.count() == 1
    [only] = store.recent()
    assert only.payload.slug == "a-new-slug"
    assert only.payload.title == "New"
    assert only.revision == 2
    if kind(store) == "MarkdownStore":
        assert saved.id == "a-new-slug"
        assert not (store.directory / f"{original.id}.md").exists()
    else:
        assert saved.id == original.id


def test_a_rewrite_with_an_unknown_external_id_falls_back_to_the_slug(store):
    store.save(article())
    store.save(article(action="update", externalId="never-seen", title="Rewritten"))
    assert store.count() == 1
    assert store.recent()[0].payload.title == "Rewritten"


def test_newest_first_and_at_most_the_limit(store):
    for n in range(55):
        store.save(article(slug=f"post-{n:02d}", title=f"Post {n}"))
    recent = store.recent(50)
    assert len(recent) == 50
    assert recent[0].payload.title == "Post 54"
    assert recent[-1].payload.title == "Post 5"


def test_concurrent_pushes_leave_exactly_one_current_post(store):
    barrier = threading.Barrier(12)
    errors: list[BaseException] = []

    def push(n: int) -> None:
        try:
            barrier.wait()
            store.save(article(title=f"Version {n}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.count() == 1
    [current] = store.recent()
    assert current.revision == 12
    if kind(store) != "MarkdownStore":
        assert len(store.revisions(current.id)) == 11


def test_a_rewrite_onto_another_posts_slug_is_refused(store):
    store.save(article(slug="taken"))
    store.save(article(slug="mine", externalId="e-1"))
    with pytest.raises(PublishRejected) as caught:
        store.save(article(slug="taken", action="update", externalId="e-1"))
    assert caught.value.status_code == 409
    assert store.count() == 2


def test_data_survives_reopening(store_url):
    first = open_store(store_url)
    first.save(article())
    first.close()
    again = open_store(store_url)
    assert [p.payload.slug for p in again.recent()] == [samples.PAYLOAD["slug"]]
    again.close()


# -- Markdown specifics -----------------------------------------------------------------


@pytest.fixture
def markdown_store(tmp_path):
    return open_store(f"markdown:///{tmp_path}/content/posts")


def test_markdown_files_are_ready_for_a_static_site(markdown_store):
    markdown_store.save(article())
    markdown_store.save(article(locale="de", title="Auf Deutsch"))
    files = sorted(p.name for p in markdown_store.directory.iterdir() if not p.name.startswith("."))
    assert files == ["right-size-your-pods.de.md", "right-size-your-pods.md"]
    text = (markdown_store.directory / "right-size-your-pods.md").read_text()
    head, body = text.split("\n---\n", 1)
    meta = yaml.safe_load(head.removeprefix("---\n"))
    assert meta["title"] == samples.PAYLOAD["title"]
    assert meta["description"] == samples.PAYLOAD["description"]
    assert meta["tags"] == samples.PAYLOAD["tags"]
    assert meta["author"] == samples.PAYLOAD["author"]
    assert meta["locale"] == "en"
    assert meta["seo"]["meta_title"] == samples.PAYLOAD["seo"]["metaTitle"]
    assert meta["cover_image_url"] == samples.PAYLOAD["coverImageUrl"]
    assert meta["sources"] == samples.PAYLOAD["sources"]
    assert "T" in meta["date"]
    assert body == samples.PAYLOAD["content"]
    assert not [p for p in markdown_store.directory.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("slug", ["../escape", "a/b", ".hidden", "..", "with space", ""])
def test_markdown_refuses_slugs_that_are_not_file_names(markdown_store, slug):
    with pytest.raises(PublishRejected) as caught:
        markdown_store.save(article(slug=slug))
    assert caught.value.status_code == 422
    assert markdown_store.count() == 0


def test_markdown_failed_write_raises_and_leaves_the_old_file(markdown_store):
    markdown_store.save(article(title="Kept"))
    path = markdown_store.directory / "right-size-your-pods.md"
    before = path.read_text()
    original = os.replace

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    os.replace = broken_replace
    try:
        with pytest.raises(OSError, match="No space left"):
            markdown_store.save(article(title="Lost"))
    finally:
        os.replace = original
    assert path.read_text() == before
    assert not [p for p in markdown_store.directory.iterdir() if p.name.endswith(".tmp")]


# -- killed in the middle of writing ---------------------------------------------------

WRITER = """
import sys
from tests import samples
from wonderblogs_target import PublishPayload
from wonderblogs_target.stores import open_store

store = open_store(sys.argv[1])
n = 0
while True:
    n += 1
    data = samples.payload(slug=f"post-{n % 7}", title=f"Version {n}", content="x" * 20_000)
    store.save(PublishPayload.model_validate(data))
    print(n, flush=True)
"""


def test_nothing_is_lost_or_torn_when_the_writer_is_killed(store_url):
    root = Path(__file__).resolve().parent.parent
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, store_url],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    acknowledged = 0
    deadline = time.monotonic() + 30
    while acknowledged < 40 and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            break
        acknowledged = int(line)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert acknowledged >= 40, writer.stderr.read() if writer.stderr else ""

    store = open_store(store_url)
    try:
        posts = store.recent(100)
        # Every acknowledged write is there (7 slugs), and each one reads back whole.
        assert len(posts) == 7
        for post in posts:
            assert post.payload.content == "x" * 20_000
            assert post.payload.title.startswith("Version ")
        newest = max(int(p.payload.title.split()[1]) for p in posts)
        assert newest >= acknowledged
        if store_url.startswith("sqlite"):
            with store.reading() as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        store.close()
