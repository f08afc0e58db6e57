"""What only the Markdown store promises: files a static site generator reads."""

from __future__ import annotations

import os
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import samples
from wonderblogs_target import PublishPayload, PublishRejected
from wonderblogs_target.stores import open_store
from wonderblogs_target.stores.markdown import MarkdownStore


def article(**changes) -> PublishPayload:
    return PublishPayload.model_validate(samples.payload(**changes))


@pytest.fixture
def markdown_store(tmp_path):
    store = open_store(f"markdown:///{tmp_path}/content/posts")
    yield store
    store.close()


def test_files_are_ready_for_a_static_site(markdown_store):
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


def test_a_slug_in_another_script_is_one_nfc_file_name(markdown_store):
    markdown_store.save(article(slug="cafe\u0301-guide"))  # NFD
    [path] = [p for p in markdown_store.directory.iterdir() if p.suffix == ".md"]
    assert path.name == "caf\u00e9-guide.md"  # NFC


@pytest.mark.parametrize("slug", ["../escape", "a/b", ".hidden", "..", "with space", "", "a..b"])
def test_slugs_that_are_not_file_names_are_refused(markdown_store, slug):
    with pytest.raises(PublishRejected) as caught:
        markdown_store.save(article(slug=slug))
    assert caught.value.status_code == 422
    assert markdown_store.count() == 0


def test_a_failed_write_leaves_no_temporary_file(markdown_store, monkeypatch):
    markdown_store.save(article(title="Kept"))

    def no_space(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", no_space)
    with pytest.raises(OSError, match="No space left"):
        markdown_store.save(article(title="Lost"))
    monkeypatch.undo()
    assert not [p for p in markdown_store.directory.iterdir() if p.name.endswith(".tmp")]


def test_the_store_needs_only_its_own_extra(tmp_path):
    """The store layer and the core work with every framework unimportable."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "heavy = ['fastapi', 'starlette', 'flask', 'werkzeug', 'django', 'httpx', 'anyio',\n"
        "         'uvicorn', 'markdown_it', 'psycopg']\n"
        "for name in heavy:\n"
        "    sys.modules[name] = None  # importing any of them now fails\n"
        "from wonderblogs_target.stores import open_store, Store, StoredPost\n"
        "from wonderblogs_target import PublishPayload, WonderblogsTarget\n"
        f"open_store('markdown:///{tmp_path}/p').close()\n"
        f"target = WonderblogsTarget(api_key='k', get_context={{}}.get, store='sqlite:///{tmp_path}/p.db')\n"
        "target.close()\n"
        "print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "ok"


# -- the defects found by trying it as a new user (issue: static sites for real) -------


def test_two_posts_never_share_a_file(markdown_store):
    markdown_store.save(article(slug="collide", locale="de", title="German"))
    with pytest.raises(PublishRejected) as caught:
        markdown_store.save(article(slug="collide.de", locale="en", title="English"))
    assert caught.value.status_code == 409
    assert "collide.de.md" in caught.value.message
    [only] = markdown_store.recent()
    assert only.payload.title == "German"


@pytest.mark.parametrize(
    "hand_made", ["# About us\n\nWritten by a person.\n", "---\ntitle: About\n---\nHello\n"]
)
def test_a_hand_made_file_is_never_overwritten(markdown_store, hand_made):
    path = markdown_store.directory / "about.md"
    path.write_text(hand_made)
    with pytest.raises(PublishRejected) as caught:
        markdown_store.save(article(slug="about", title="From Wonderblogs"))
    assert caught.value.status_code == 409
    assert "about.md" in caught.value.message
    assert path.read_text() == hand_made


@pytest.mark.parametrize("slug", ["con", "NUL", "com1", "lpt9", "aux"])
def test_names_windows_cannot_hold_are_refused(markdown_store, slug):
    with pytest.raises(PublishRejected) as caught:
        markdown_store.save(article(slug=slug))
    assert caught.value.status_code == 422


def test_names_that_differ_only_by_case_are_refused(markdown_store):
    """A site checked out on macOS or Windows would see one file."""
    markdown_store.save(article(slug="cloud-costs"))
    with pytest.raises(PublishRejected) as caught:
        markdown_store.save(article(slug="Cloud-Costs"))
    assert caught.value.status_code == 409
    assert "cloud-costs.md" in caught.value.message


def test_a_persons_file_differing_only_by_case_is_refused_too(markdown_store):
    """The index reads a person's files too: their names count for the rule."""
    (markdown_store.directory / "Cloud-Costs.md").write_text("# A person's notes\n")
    with pytest.raises(PublishRejected) as caught:
        markdown_store.save(article(slug="cloud-costs"))
    assert caught.value.status_code == 409
    assert "Cloud-Costs.md" in caught.value.message
    assert (markdown_store.directory / "Cloud-Costs.md").read_text() == "# A person's notes\n"


def test_files_follow_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        store = open_store(f"markdown:///{tmp_path}/site/content")
        store.save(article())
    finally:
        os.umask(previous)
    [path] = [p for p in store.directory.iterdir() if p.suffix == ".md"]
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert oct((tmp_path / "site").stat().st_mode & 0o777) == oct(0o755)


def test_stale_temporary_files_are_removed_when_the_store_opens(tmp_path):
    directory = tmp_path / "posts"
    directory.mkdir()
    stale = directory / ".right-size-your-pods.md.abc123.tmp"
    stale.write_text("half a post")
    old = time.time() - 3_600
    os.utime(stale, (old, old))
    fresh = directory / ".other.md.def456.tmp"
    fresh.write_text("another writer is at work")  # not stale yet: left alone
    hand_made = directory / "notes.tmp"
    hand_made.write_text("not ours")
    open_store(f"markdown:///{directory}")
    assert not stale.exists()
    assert fresh.exists()
    assert hand_made.exists()


@pytest.mark.parametrize(
    "text",
    ["line\r\nbreaks", "lone\rreturn", "next\x85line", "line\u2028separator", "tab\tand\x07bell",
     "emoji 🚀 and RTL שלום", "  spaced  ", "trailing newline\n"],
)  # fmt: skip
def test_what_was_received_reads_back_exactly(markdown_store, text):
    sent = article(title=f"Title {text}", description=f"About {text}", content=f"Body {text}")
    saved = markdown_store.save(sent)
    got = markdown_store.get(saved.id)
    assert got is not None
    assert got.payload == sent
    assert got.payload.content == f"Body {text}"


_TRICKY = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
) | st.sampled_from(["a\r\nb", "\r", "x\x85y", "\u2028", "\u202eRTL", "🚀", " lead", "trail "])


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(title=_TRICKY, description=_TRICKY, content=_TRICKY, tag=_TRICKY.map(lambda t: t[:100]))
def test_any_article_reads_back_exactly(tmp_path_factory, title, description, content, tag):
    store = open_store(f"markdown:///{tmp_path_factory.mktemp('exact')}/posts")
    sent = article(title=title, description=description, content=content, tags=[tag])
    saved = store.save(sent)
    assert store.get(saved.id).payload == sent


# -- the index ---------------------------------------------------------------------------


def test_the_context_and_a_rewrite_read_no_post_file_they_do_not_need(markdown_store, monkeypatch):
    for n in range(40):
        markdown_store.save(article(slug=f"post-{n}", title=f"Post {n}", externalId=f"e-{n}"))
    reads: list[str] = []
    original = type(markdown_store)._read

    def counted(self, path, **options):
        reads.append(path.name)
        return original(self, path, **options)

    monkeypatch.setattr(type(markdown_store), "_read", counted)
    assert [a["title"] for a in markdown_store.recent_articles(3)] == [
        "Post 39",
        "Post 38",
        "Post 37",
    ]
    assert reads == []
    markdown_store.save(article(slug="post-7-moved", action="update", externalId="e-7"))
    assert sorted(reads) == ["post-7.md"]
    assert markdown_store.count() == 40


def test_the_index_can_be_deleted_and_sees_changes_made_by_hand(markdown_store):
    from wonderblogs_target.stores._markdown_index import INDEX_NAME

    for n in range(3):
        markdown_store.save(article(slug=f"post-{n}", title=f"Post {n}"))
    directory = markdown_store.directory
    (directory / "post-0.md").unlink()  # removed by hand
    copied = (directory / "post-1.md").read_text().replace("slug: post-1", "slug: post-9")
    (directory / "post-9.md").write_text(copied.replace("title: Post 1", "title: Post 9"))
    assert sorted(a["title"] for a in markdown_store.recent_articles()) == [
        "Post 1", "Post 2", "Post 9",
    ]  # fmt: skip
    markdown_store.close()
    for leftover in directory.glob(INDEX_NAME + "*"):
        leftover.unlink()
    again = open_store(f"markdown:///{directory}")
    assert again.count() == 3
    assert sorted(a["title"] for a in again.recent_articles()) == ["Post 1", "Post 2", "Post 9"]
    again.close()


def test_the_remembered_context_list_follows_writes_by_other_workers(tmp_path):
    """The list is kept in memory between requests, keyed on the index's
    version: another worker's write (another process) shows at once."""
    import subprocess
    import sys

    mine = MarkdownStore(tmp_path)
    mine.save(article(slug="one", title="One"))
    assert [a["title"] for a in mine.recent_articles()] == ["One"]
    assert [a["title"] for a in mine.recent_articles()] == ["One"]
    code = (
        "import sys; from tests.stores.test_markdown import article;"
        "from wonderblogs_target.stores.markdown import MarkdownStore;"
        "MarkdownStore(sys.argv[1]).save(article(slug='two', title='Two'))"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, timeout=60)
    assert [a["title"] for a in mine.recent_articles()] == ["Two", "One"]
    mine.save(article(slug="three", title="Three"))
    assert [a["title"] for a in mine.recent_articles()] == ["Three", "Two", "One"]


def test_the_checkers_test_article_is_a_draft_on_any_site(tmp_path):
    from wonderblogs_target.check import sample_article

    store = MarkdownStore(tmp_path)  # new posts are live here
    store.save(article(slug="real"))
    checked = store.save(PublishPayload.model_validate(sample_article()))
    assert "draft: true" not in (tmp_path / "real.md").read_text()
    assert "draft: true" in (tmp_path / f"{checked.id}.md").read_text()


def test_a_slug_of_200_cjk_characters_fits_a_file_name(tmp_path):
    """200 characters is the contract's limit, but 600 bytes of UTF-8 is more
    than a file system takes for a name (ENAMETOOLONG on every retry)."""
    from wonderblogs_target.models import PublishPayload

    slug = "云" * 200
    store = MarkdownStore(tmp_path, generator="jekyll", images="link")
    first = store.save(PublishPayload.model_validate(samples.payload(slug=slug)))
    again = store.save(PublishPayload.model_validate(samples.payload(slug=slug, title="Again")))
    other = store.save(PublishPayload.model_validate(samples.payload(slug="云" * 199 + "雨")))
    assert again.id == first.id  # a re-push finds the same file
    assert other.id != first.id  # a slug cut to the same prefix is another post
    [post] = [p for p in store.recent() if p.id == first.id]
    assert post.payload.slug == slug
    assert post.payload.title == "Again"
    assert all(len(path.name.encode()) <= 255 for path in tmp_path.rglob("*"))


def test_a_test_article_a_person_edited_is_left_by_prune_with_the_reason(markdown_store):
    from wonderblogs_target.stores import CHECK_SLUG_PREFIX, prune

    tested = markdown_store.save(article(slug=CHECK_SLUG_PREFIX + "1", title="Test article"))
    path = markdown_store.directory / f"{tested.id}.md"
    path.write_text(path.read_text() + "\nA person's note.\n")
    pruned = prune(markdown_store)
    assert pruned.removed == []
    [(post, reason)] = pruned.left
    assert post.id == tested.id
    assert "changed by hand" in reason
    assert path.read_text().endswith("A person's note.\n")
