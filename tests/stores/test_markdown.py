"""What only the Markdown store promises: files a static site generator reads."""

from __future__ import annotations

import pytest
import yaml

from tests import samples
from wonderblogs_target import PublishPayload, PublishRejected
from wonderblogs_target.stores import open_store


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
