"""``images=download``: the cover is kept as a file of the site, from a real
HTTP server on a loopback port or from the v1 emulator with the key; a cover
that cannot be kept never costs the article. The image server is on loopback,
so the tests that fetch from it allow it, as a site with an internal image
host would; by default such an address is refused, however the URL spells it,
before any connection (server-side request forgery)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import samples
from tests.generators import new_site
from tests.image_server import image_server, seen
from wonderblogs_target._images import Destinations, ImageLimits
from wonderblogs_target.errors import ImageDownloadError
from wonderblogs_target.models import PublishPayload
from wonderblogs_target.stores import open_store
from wonderblogs_target.stores._covers import ImageFetcher
from wonderblogs_target.stores.markdown import MarkdownStore
from wonderblogs_target.testing import PNG_PIXEL, WonderblogsEmulator


@pytest.fixture(scope="module")
def images() -> Iterator[str]:
    with image_server() as url:
        yield url


def article(**changes: object) -> PublishPayload:
    return PublishPayload.model_validate(samples.payload(**changes))


#: The tests' image server is on loopback: allowed on purpose, as a site allows
#: its internal image host.
LOOPBACK_ALLOWED = Destinations(allow=("127.0.0.1",))
#: For fetches through a mock transport: every name is a public address.
PUBLIC = Destinations(resolver=lambda host, port: ["93.184.216.34"])


def downloading(directory: Path, **options: object) -> MarkdownStore:
    limits = ImageLimits(max_bytes=1024 * 1024, timeout=1.0)
    options.setdefault("destinations", LOOPBACK_ALLOWED)
    return MarkdownStore(
        directory, images="download", image_fetcher=ImageFetcher(limits=limits, **options)
    )


@pytest.mark.parametrize("generator", ["hugo", "jekyll", "astro", "mkdocs", "pelican"])
def test_the_copy_is_where_the_built_site_serves_it(generator, images, tmp_path):
    site = new_site(generator, tmp_path)
    fetcher = ImageFetcher(destinations=LOOPBACK_ALLOWED)
    store = MarkdownStore(site.posts, generator=generator, images="download", image_fetcher=fetcher)
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
        ("/disguised.png", "the body is not a image/png file"),
        ("/icon.svg", "content type 'image/svg+xml'"),
        ("/slow.png", "took over 1 s"),
        ("/slow-headers.png", "took over 1 s"),
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


def test_slow_image_hosts_hold_only_their_turns_never_every_worker(images):
    """Downloads that hang take at most DOWNLOADS_AT_ONCE turns; one more cover
    waits briefly for a turn, then is a failed download, not another held worker."""
    import threading

    from tests.image_server import HELD
    from wonderblogs_target import _images

    patient = ImageFetcher(limits=ImageLimits(timeout=60), destinations=LOOPBACK_ALLOWED)
    before = len(seen(images))
    results: list[object] = []
    HELD.clear()
    holders = [
        threading.Thread(target=lambda: results.append(patient.fetch(f"{images}/held.png")))
        for _ in range(_images.DOWNLOADS_AT_ONCE)
    ]
    try:
        for holder in holders:
            holder.start()
        while len(seen(images)) < before + _images.DOWNLOADS_AT_ONCE:
            threading.Event().wait(0.01)  # until every turn is taken, however long
        with pytest.raises(ImageDownloadError, match="other downloads are running"):
            patient.fetch(f"{images}/pixel.png")
    finally:
        HELD.set()
        for holder in holders:
            holder.join()
    assert len(results) == _images.DOWNLOADS_AT_ONCE  # the held ones were kept
    # Their turns are back: the next cover is fetched.
    assert patient.fetch(f"{images}/pixel.png").content == PNG_PIXEL


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
        v1_api_key="wb_v1_key",
        base_url="https://api.test",
        transport=httpx.MockTransport(record),
        destinations=PUBLIC,
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


def test_the_url_options_reach_the_fetcher(images, tmp_path, caplog):
    store = open_store(
        f"markdown:///{tmp_path}?images=download&image_max_bytes=10&image_timeout=2"
        "&images_allow=127.0.0.1",
        v1_api_key="k",
    )
    assert isinstance(store, MarkdownStore)
    with caplog.at_level(logging.WARNING, logger="wonderblogs_target.stores"):
        saved = store.save(article(slug="p", coverImageUrl=f"{images}/pixel.png"))  # > 10 bytes
    assert store.get(saved.id).payload.cover_image_url == f"{images}/pixel.png"
    assert not (tmp_path / "images").exists()
    assert "over the limit of 10" in caplog.text  # reached, then refused by its size


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


# -- where a download may go (server-side request forgery) -----------------------------------

#: Spellings of the loopback image server's address, each refused by default.
LOOPBACK_FORMS = [
    "http://127.0.0.1:{port}/pixel.png",
    "http://localhost:{port}/pixel.png",
    "http://LOCALHOST.:{port}/pixel.png",
    "http://[::1]:{port}/pixel.png",
    "http://0.0.0.0:{port}/pixel.png",
    "http://2130706433:{port}/pixel.png",
    "http://0x7f000001:{port}/pixel.png",
    "http://127.1:{port}/pixel.png",
    "http://[::ffff:127.0.0.1]:{port}/pixel.png",
    "http://user@127.0.0.1:{port}/pixel.png",
    "http://user:pw@localhost:{port}/pixel.png",
]
#: Other places an article must not reach (nothing needs to listen there).
PRIVATE = [
    ("http://169.254.169.254/latest/meta-data/iam", "link-local"),
    ("http://10.0.0.1/x.png", "private"),
    ("http://172.16.0.1/x.png", "private"),
    ("http://192.168.1.1/x.png", "private"),
    ("http://100.64.0.1/x.png", "not global"),
    ("http://[fe80::1]/x.png", "link-local"),
    ("http://[fd00::1]/x.png", "private"),
    ("http://224.0.0.1/x.png", "multicast"),
    ("http://240.0.0.1/x.png", "reserved"),
    ("http://[::]/x.png", "unspecified"),
]


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@pytest.mark.parametrize("form", LOOPBACK_FORMS)
def test_a_loopback_cover_is_refused_by_default_before_any_connection(
    form, images, tmp_path, caplog
):
    store = MarkdownStore(tmp_path, images="download")  # the default destinations
    url = form.format(port=port_of(images))
    before = list(seen(images))
    with caplog.at_level(logging.WARNING, logger="wonderblogs_target.stores"):
        saved = store.save(article(slug="p", coverImageUrl=url))
    assert "not a public internet address" in caplog.text
    assert seen(images) == before  # the server was never asked
    assert not (tmp_path / "images").exists()
    assert store.get(saved.id).payload.cover_image_url == url  # the post is kept


@pytest.mark.parametrize(("url", "reason"), PRIVATE)
def test_private_link_local_and_reserved_addresses_are_refused(url, reason):
    with pytest.raises(ImageDownloadError, match=rf"\({reason}\), not a public"):
        ImageFetcher(limits=ImageLimits(timeout=1.0)).fetch(url)


def test_a_name_with_any_private_address_is_refused():
    """A name that resolves to a public and a loopback address could be steered to
    the loopback one: every address must pass."""
    both = Destinations(resolver=lambda host, port: ["93.184.216.34", "127.0.0.1"])
    with pytest.raises(ImageDownloadError, match=r"127\.0\.0\.1 \(loopback\)"):
        ImageFetcher(destinations=both).fetch("http://cdn.example/a.png")


@pytest.mark.parametrize("status", ["302", "307"])
def test_a_redirect_to_loopback_is_refused_on_that_hop(status, images):
    """The first hop is a host the site allows by name; its redirect to the
    loopback address itself is checked again, and refused."""
    port = port_of(images)
    allowed = Destinations(allow=("images.internal",), resolver=lambda host, p: ["127.0.0.1"])
    target = f"http://127.0.0.1:{port}/pixel.png"
    before = list(seen(images))
    with pytest.raises(ImageDownloadError, match="not a public internet address"):
        ImageFetcher(destinations=allowed).fetch(
            f"http://images.internal:{port}/{status}?to={target}"
        )
    # The redirecting hop was answered; the hop to loopback was never made.
    assert [path for path, _ in seen(images)[len(before) :]] == [f"/{status}?to={target}"]


@pytest.mark.parametrize("allow", ["127.0.0.1", "127.0.0.0/8", "localhost"])
def test_an_allowed_internal_host_is_reached(allow, images, tmp_path):
    url = images.replace("127.0.0.1", "localhost") if allow == "localhost" else images
    store = open_store(f"markdown:///{tmp_path}?images=download&images_allow={allow}")
    store.save(article(slug="p", coverImageUrl=f"{url}/pixel.png"))
    [copy] = (tmp_path / "images").iterdir()
    assert copy.read_bytes() == PNG_PIXEL


def test_the_connection_goes_to_the_address_that_was_checked(images, monkeypatch):
    """The name is resolved once, by the check; the connection is made to that
    address, with the original name in the Host header. The system resolver
    does not know the name at all, so a second lookup would fail the fetch."""
    import socket

    lookups: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    real = socket.getaddrinfo

    def system(host: object, *args: object, **kwargs: object) -> object:
        assert host != "images.internal", "the name was resolved a second time"
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", system)
    port = port_of(images)
    fetcher = ImageFetcher(destinations=Destinations(allow=("127.0.0.1",), resolver=resolver))
    got = fetcher.fetch(f"http://images.internal:{port}/pixel.png")
    assert got.content == PNG_PIXEL
    assert lookups == ["images.internal"]
    assert seen(images)[-1] == ("/pixel.png", f"images.internal:{port}")


@pytest.mark.parametrize(
    "url",
    [
        "http://0177.0.0.1/x.png",
        "http://example.org:99999/x.png",
        "http://[::1/x.png",
        "http://exa\x00mple.org/x.png",
        "http://xn--/x.png",
        "http://ex\u00adample.org/x.png",
        "http://host:1111./x.png",
    ],
)
def test_a_malformed_cover_url_keeps_the_post(url, tmp_path, caplog):
    store = MarkdownStore(tmp_path, images="download")
    with caplog.at_level(logging.WARNING, logger="wonderblogs_target.stores"):
        saved = store.save(article(slug="p", coverImageUrl=url))
    assert store.get(saved.id).payload.cover_image_url == url
    assert not (tmp_path / "images").exists()
    assert "cover" in caplog.text.lower() or "image" in caplog.text.lower()


def test_an_allow_list_entry_that_is_neither_a_host_nor_a_network_is_refused():
    from wonderblogs_target.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="neither a host name nor a network"):
        Destinations(allow=("10.0.0.0/33",))
    with pytest.raises(ConfigurationError, match="images_allow is for images=download"):
        open_store("markdown:///tmp/x?images_allow=10.0.0.1")


def test_a_deferred_cover_is_attached_by_the_worker_once(images, tmp_path):
    from wonderblogs_target.serve.worker import Worker

    store = MarkdownStore(
        tmp_path,
        images="download",
        image_fetcher=ImageFetcher(destinations=LOOPBACK_ALLOWED),
        defer=("covers",),
    )
    url = f"{images}/pixel.png"
    saved = store.save(article(slug="later", coverImageUrl=url))
    post = tmp_path / "later.md"
    assert url in post.read_text()  # linked until the copy comes
    assert not (tmp_path / "images").exists()
    worker = Worker(store.job_queue, store.job_handlers)
    assert worker.run_due() == 1
    [copy] = (tmp_path / "images").iterdir()
    assert copy.read_bytes() == PNG_PIXEL
    assert f"images/{copy.name}" in post.read_text()
    after = post.read_text()
    # The same job again (a worker killed before it noted it done): nothing changes.
    [job] = store.job_queue.jobs()
    assert (job.state, job.attempts) == ("done", 1)
    assert store._attach_cover(job).startswith("the cover was attached already")
    assert post.read_text() == after
    assert store.get(saved.id).revision == 1  # the same revision, now with its copy
    # A post a person changed meanwhile keeps linking the original.
    store.save(article(slug="edited", coverImageUrl=url))
    (tmp_path / "edited.md").write_text((tmp_path / "edited.md").read_text() + "\nMine.\n")
    assert worker.run_due() == 1
    [job, _] = store.job_queue.jobs()
    assert "changed by hand" in job.message
    assert url in (tmp_path / "edited.md").read_text()


def test_a_deferred_cover_that_keeps_failing_is_retried_then_marked_failed(images, tmp_path):
    from wonderblogs_target.serve.worker import Worker
    from wonderblogs_target.stores._jobs import Backoff

    store = MarkdownStore(
        tmp_path,
        images="download",
        image_fetcher=ImageFetcher(destinations=LOOPBACK_ALLOWED),
        defer=("covers",),
    )
    store.save(article(slug="gone", coverImageUrl=f"{images}/missing.png"))
    worker = Worker(store.job_queue, store.job_handlers, backoff=Backoff(attempts=2, first=0))
    assert worker.run_due() == 2  # the first attempt, and its retry due at once
    [job] = store.job_queue.jobs()
    assert (job.state, job.attempts) == ("failed", 2)
    assert "404" in job.message
    assert worker.run_due() == 0
    assert f"{images}/missing.png" in (tmp_path / "gone.md").read_text()


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ("defer=covers", "defer=covers is for images=download"),
        ("defer=push", "defer=push is for git=push"),
        ("images=download&defer=images", "defer names 'images'"),
    ],
)
def test_a_defer_option_that_cannot_work_is_a_configuration_error(options, says, tmp_path):
    from wonderblogs_target import ConfigurationError
    from wonderblogs_target.stores import open_store

    with pytest.raises(ConfigurationError, match=re.escape(says)):
        open_store(f"markdown:///{tmp_path}?{options}")
