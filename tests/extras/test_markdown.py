"""``[markdown]`` alone: the Markdown store writes a post with its front matter."""

from __future__ import annotations

from pathlib import Path

from tests import samples
from wonderblogs_target import PublishPayload
from wonderblogs_target.stores import open_store


def test_the_markdown_store_writes_a_hugo_post(tmp_path: Path) -> None:
    store = open_store(f"markdown:///{tmp_path}/content/posts")
    try:
        store.save(PublishPayload.model_validate(samples.PAYLOAD))
        assert [a["title"] for a in store.recent_articles()] == [samples.PAYLOAD["title"]]
    finally:
        store.close()
    [post] = (tmp_path / "content" / "posts").glob("*.md")
    text = post.read_text()
    assert text.startswith("---\n")
    assert samples.PAYLOAD["title"] in text
