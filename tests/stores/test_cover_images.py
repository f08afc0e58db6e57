"""``images=download``: the cover is kept as a file of the site, from a real
HTTP server on a loopback port or from the v1 emulator with the key; a cover
that cannot be kept never costs the article."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import samples
from tests.generators import new_site
from tests.image_server import image_server
from wonderblogs_target._images import ImageFetcher, ImageLimits
from wonderblogs_target.errors import ImageDownloadError
from wonderblogs_target.models import PublishPayload
from wonderblogs_target.stores import open_store
from wonderblogs_target.stores.markdown import MarkdownStore
from wonderblogs_target.testing import PNG_PIXEL, WonderblogsEmulator


@pytest.fixture(scope="module")
def images() -> Iterator[str]:
    with image_server() as url:
        yield url


def article(**changes: object) -> PublishPayload:
    return PublishPayload.model_validate(samples.payload(**changes))


def downloading(directory: Path, **options: object) -> MarkdownStore:
    limits = ImageLimits(max_bytes=1024 * 1024, timeout=1.0)
    return MarkdownStore(
        directory, images="download", image_fetcher=ImageFetcher(limits=limits, **options)
    )


@pytest.mark.parametrize("generator", ["hugo", "jekyll", "astro", "mkdocs", "pelican"])
def test_the_copy_is_where_the_built_site_serves_it(generator, images, tmp_path):
    site = new_site(generator, tmp_path)
    store = MarkdownStore(site.posts, generator=generator, images="download")
    url = f"{images}/pixel.png"
    saved = store.save(article(slug="first-post", coverImageUrl=url))
    text = next(site.posts.glob("*first-post.md")).read_text()
    [local] = [word for word in text.split() if "wonderblogs/first-post-" in word]
    assert local.startswith("/")
    site.build()
    # The URL in the front matter is a file of the built site, holding the image.
    assert (site.output / local.lstrip("/")).read_bytes() == PNG_PIXEL
    # The record keeps the URL Wonderblogs sent.
    assert store.get(saved.id).payload.cover_image_url == url


def test_a_relative_wonderblogs_path_is_fetched_with_the_v1_key(tmp_path):
    emulator = WonderblogsEmulator(api_keys=["wb_v1_key"])
    with emulator.client() as client:
        job = client.wait_for_image(client.generate_image("Title", "Content").job_id)
    path = job.image_url
    assert path.startswith("/api/v1/images/download/")
    store = downloading(
        tmp_path,
        v1_api_key="wb_v1_key",
        base_url="https://wonderblogs.test",
        transport=emulator.transport(),
    )
    store.save(article(slug="p", coverImageUrl=path))
    [copy] = (tmp_path / "images").iterdir()
    assert copy.read_bytes() == PNG_PIXEL
    assert f"- images/{copy.name}" in (tmp_path / "p.md").read_text()


def test_without_the_key_a_wonderblogs_path_keeps_the_post_and_says_why(tmp_path, caplog):
    store = downloading(tmp_path)
    with caplog.at_level(logging.WARNING, logger="wonderblogs_target.stores"):
        saved = store.save(article(slug="p", coverImageUrl="/api/v1/images/download/post/1"))
    assert store.get(saved.id).payload.cover_image_url == "/api/v1/images/download/post/1"
    assert "needs the v1 key" in caplog.text
    assert not (tmp_path / "images").exists()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/big.png", "over the limit of 1048576"),
        ("/unannounced.png", "over the limit of 1048576"),
        ("/page.html", "content type 'text/html' is not one of"),
        ("/icon.svg", "content type 'image/svg+xml'"),
        ("/slow.png", "took over 1 s"),
        ("/missing.png", "404"),
    ],
)
def test_a_cover_that_cannot_be_kept_never_costs_the_article(
    path, reason, images, tmp_path, caplog
):
    store = downloading(tmp_path)
    url = images + path
    with caplog.at_level(logging.WARNING, logger="wonderblogs_target.stores"):
        saved = store.save(article(slug="p", coverImageUrl=url))
    assert reason in caplog.text
    post = store.get(saved.id)
    assert post.payload.cover_image_url == url
    assert f"- {url}" in (tmp_path / "p.md").read_text()  # Hugo's images: the original
    assert not (tmp_path / "images").exists()


def test_the_fetcher_refuses_what_is_not_http(tmp_path):
    with pytest.raises(ImageDownloadError, match="not http"):
        ImageFetcher().fetch("file:///etc/passwd")


def test_the_key_never_leaves_for_another_host(images):
    """The emulator's key is for the API's host; an image host must not see it."""
    seen: list[str | None] = []
    import httpx

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, content=PNG_PIXEL, headers={"content-type": "image/png"})

    fetcher = ImageFetcher(
        v1_api_key="wb_v1_key", base_url="https://api.test", transport=httpx.MockTransport(record)
    )
    fetcher.fetch("https://cdn.test/a.png")
    fetcher.fetch("/api/v1/images/download/post/1")
    assert seen == [None, "Bearer wb_v1_key"]


def test_the_same_image_twice_is_one_file_and_a_persons_file_is_never_replaced(images, tmp_path):
    store = downloading(tmp_path)
    (tmp_path / "images").mkdir()
    mine = tmp_path / "images" / "p.png"
    mine.write_bytes(b"my own picture")
    store.save(article(slug="p", coverImageUrl=f"{images}/pixel.png"))
    store.save(article(slug="p", coverImageUrl=f"{images}/pixel.png", title="Again"))
    copies = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert len(copies) == 2
    assert mine.read_bytes() == b"my own picture"


def test_the_url_options_reach_the_fetcher(images, tmp_path):
    store = open_store(
        f"markdown:///{tmp_path}?images=download&image_max_bytes=10&image_timeout=2",
        v1_api_key="k",
    )
    assert isinstance(store, MarkdownStore)
    saved = store.save(article(slug="p", coverImageUrl=f"{images}/pixel.png"))  # 70 bytes > 10
    assert store.get(saved.id).payload.cover_image_url == f"{images}/pixel.png"
    assert not (tmp_path / "images").exists()


def test_without_downloads_a_wonderblogs_path_is_not_shown_as_a_broken_image(tmp_path, caplog):
    store = MarkdownStore(tmp_path)  # images=link, the default
    path = "/api/v1/images/download/post/123"
    with caplog.at_level(logging.WARNING, logger="wonderblogs_target.stores"):
        saved = store.save(article(slug="p", coverImageUrl=path))
    text = (tmp_path / "p.md").read_text()
    assert "images:" not in text  # Hugo would render it, and visitors get a 401
    assert store.get(saved.id).payload.cover_image_url == path
    assert "images=download" in caplog.text
    absolute = store.save(article(slug="q", coverImageUrl="https://cdn.example.org/q.png"))
    assert "images:\n- https://cdn.example.org/q.png\n" in (tmp_path / "q.md").read_text()
    assert absolute.payload.cover_image_url == "https://cdn.example.org/q.png"
