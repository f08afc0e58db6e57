"""Each generator's front matter, checked by building a real site with that
generator and reading the pages it made."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from harness.servers import ROOT
from tests import samples
from tests.generators import new_site
from wonderblogs_target.models import PublishPayload
from wonderblogs_target.stores import open_store
from wonderblogs_target.stores._formats import FORMATS
from wonderblogs_target.stores.markdown import MarkdownStore

GENERATORS = sorted(FORMATS)


def article(**changes: object) -> PublishPayload:
    return PublishPayload.model_validate(samples.payload(**changes))


PUBLISHED = dict(
    slug="first-post",
    title="First post: a title",
    content="Intro line\r\n\r\nThe **published-marker** body.\n",
    tags=["alpha", "beta"],
    author="Jane Doe",
)
DRAFT = dict(slug="draft-post", title="Draft post", content="The **draft-marker** body.\n")


@pytest.mark.parametrize("generator", GENERATORS)
def test_the_generator_builds_the_post_and_leaves_the_draft_out(generator, tmp_path):
    site = new_site(generator, tmp_path)
    store = MarkdownStore(site.posts, generator=generator)
    # The day the post is dated, read on both sides of the save: a run that
    # crosses midnight (UTC) must not fail.
    days = {datetime.now(timezone.utc).strftime("%Y-%m-%d")}
    store.save(article(**PUBLISHED))
    days.add(datetime.now(timezone.utc).strftime("%Y-%m-%d"))
    store.save(article(**PUBLISHED, description="Pushed again"))  # an update, same file
    drafts = MarkdownStore(site.posts, generator=generator, draft=True)
    drafts.save(article(**DRAFT))
    site.build()

    pages = site.pages()
    # The post's own page (list pages may show the post too, as MkDocs and Pelican do).
    [post_page] = [
        path
        for path, html in pages.items()
        if "first-post" in path and "<strong>published-marker</strong>" in html
    ]
    assert "First post: a title" in pages[post_page]
    if generator != "pelican":  # Pelican's default theme writes the date in words
        assert any(day in pages[post_page] for day in days), days
    drafts_built = [path for path, html in pages.items() if "draft-marker" in html]
    # Pelican builds drafts apart, unlisted, under drafts/; the others not at all.
    assert drafts_built == (["drafts/draft-post.html"] if generator == "pelican" else [])
    # What the generator showed, the store still reads back exactly.
    [post] = [p for p in store.recent() if p.payload.slug == "first-post"]
    assert post.payload.content == PUBLISHED["content"]
    assert post.payload.description == "Pushed again"
    assert post.revision == 2
    assert store.count() == 2


def test_jekyll_posts_are_dated_files_whose_date_never_moves(tmp_path):
    store = MarkdownStore(tmp_path / "_posts", generator="jekyll")
    first = store.save(article(slug="dated", externalId="ext-dated"))
    day = first.published_at.strftime("%Y-%m-%d")
    assert first.id == f"{day}-dated"
    assert (tmp_path / "_posts" / f"{day}-dated.md").is_file()
    again = store.save(article(slug="dated", title="Again", externalId="ext-dated"))
    assert again.id == first.id
    assert again.revision == 2
    de = store.save(article(slug="dated", locale="de"))
    assert de.id == f"{day}-dated.de"
    moved = store.save(article(slug="new-name", action="update", externalId="ext-dated"))
    assert moved.id == f"{day}-new-name"
    assert moved.published_at == first.published_at
    assert not (tmp_path / "_posts" / f"{day}-dated.md").exists()


@pytest.mark.parametrize(
    ("generator", "expected"),
    [
        ("hugo", ["draft: true"]),
        ("jekyll", ["published: false"]),
        ("astro", ["draft: true"]),
        ("mkdocs", ["draft: true"]),
        ("pelican", ["Status: draft"]),
    ],
)
def test_draft_is_written_the_generators_own_way_and_kept_on_a_repush(
    generator, expected, tmp_path
):
    store = open_store(f"markdown:///{tmp_path}/posts?generator={generator}&draft=true")
    saved = store.save(article(slug="d"))
    path = next((tmp_path / "posts").glob("*.md"))
    text = path.read_text()
    for line in expected:
        assert line in text
    # A person publishes the post by removing the draft mark ...
    for line in expected:
        text = text.replace(line + "\n", "")
    path.write_text(text)
    # ... and a re-push leaves it published.
    store.save(article(slug="d", title="Re-pushed"))
    for line in expected:
        assert line not in path.read_text()
    assert store.get(saved.id).payload.title == "Re-pushed"


def test_pelican_fields_are_one_line_each_and_the_record_keeps_them_exactly(tmp_path):
    store = MarkdownStore(tmp_path, generator="pelican")
    title = "Line one\nLine two\u2028three"
    saved = store.save(article(slug="p", title=title, tags=["a, b", "c"]))
    text = (tmp_path / "p.md").read_text()
    assert "Title: Line one Line two three\n" in text
    assert "Tags: a b, c\n" in text
    assert store.get(saved.id).payload.title == title
    assert store.get(saved.id).payload.tags == ["a, b", "c"]


def test_mkdocs_names_only_authors_the_blog_knows(tmp_path):
    posts = tmp_path / "docs" / "blog" / "posts"
    posts.mkdir(parents=True)
    (posts.parent / ".authors.yml").write_text("authors:\n  jane:\n    name: Jane Doe\n")
    store = MarkdownStore(posts, generator="mkdocs")
    store.save(article(slug="known", author="Jane Doe"))
    store.save(article(slug="unknown", author="Somebody Else"))
    assert "authors:\n- jane\n" in (posts / "known.md").read_text()
    assert "authors:" not in (posts / "unknown.md").read_text()
    # The build fails on an author it does not know: the store never names one.
    assert re.search(r"^date:\n  created: \d{4}-", (posts / "known.md").read_text(), re.M)


def test_an_unknown_generator_or_option_is_a_clear_error(tmp_path):
    from wonderblogs_target.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"unknown generator 'gatsby'.*hugo"):
        open_store(f"markdown:///{tmp_path}?generator=gatsby")
    with pytest.raises(ConfigurationError, match="unknown Markdown store option 'drafts'"):
        open_store(f"markdown:///{tmp_path}?drafts=true")
    with pytest.raises(ConfigurationError, match="draft must be true or false"):
        open_store(f"markdown:///{tmp_path}?draft=maybe")
    with pytest.raises(ConfigurationError, match="given twice"):
        open_store(f"markdown:///{tmp_path}?generator=hugo&generator=jekyll")
    assert isinstance(open_store(f"markdown:///{tmp_path}?generator=astro"), MarkdownStore)


def test_switching_generators_never_overwrites_the_other_formats_files(tmp_path):
    open_store(f"markdown:///{tmp_path}?generator=hugo").save(article(slug="same"))
    before = (tmp_path / "same.md").read_bytes()
    from wonderblogs_target.errors import PublishRejected

    with pytest.raises(PublishRejected) as refused:
        open_store(f"markdown:///{tmp_path}?generator=pelican").save(article(slug="same"))
    assert refused.value.status_code == 409
    assert (tmp_path / "same.md").read_bytes() == before


@pytest.mark.parametrize("generator", GENERATORS)
def test_a_post_a_person_edited_is_never_overwritten(generator, tmp_path):
    from wonderblogs_target.errors import PublishRejected

    store = MarkdownStore(tmp_path, generator=generator)
    first = store.save(article(slug="kept", externalId="ext-kept"))
    path = tmp_path / f"{first.id}.md"
    edited = path.read_text().replace("Measure", "Measure (checked by our editor)", 1)
    assert edited != path.read_text()
    path.write_text(edited)
    for attempt in (
        article(slug="kept", title="Pushed again", externalId="ext-kept"),
        article(slug="moved", action="update", externalId="ext-kept"),  # a rewrite
    ):
        with pytest.raises(PublishRejected) as refused:
            store.save(attempt)
        assert refused.value.status_code == 409
        assert f"{first.id}.md was changed by hand" in str(refused.value)
        assert path.read_text() == edited
    assert sorted(p.name for p in tmp_path.glob("*.md")) == [path.name]


def test_a_file_from_before_the_digest_is_updated_as_before(tmp_path):
    import re

    store = MarkdownStore(tmp_path)
    store.save(article(slug="old"))
    path = tmp_path / "old.md"
    path.write_text(re.sub(r"wonderblogs_digest: \S+\n", "", path.read_text()))
    assert store.save(article(slug="old", title="Updated")).revision == 2
    assert "wonderblogs_digest: " in path.read_text()


# -- nothing in an article runs on the built site ------------------------------------------

HOSTILE = """Intro of the hostile-marker post.

<script>alert("xss-1")</script>

<img src=x onerror="alert('xss-2')">

[click](javascript:alert('xss-3')), [case](JaVaScRiPt:alert('xss-4')),
[entity](java&#115;cript:alert('xss-5')) and [fine](https://example.org/ok)

<a href="javascript:alert('xss-6')">raw link</a> and [a reference][r]

[r]: javascript:alert('xss-7')

A paragraph with an attribute list.
{: onclick="alert('xss-8')"}

<div markdown="1" onmouseover="alert('xss-9')">html with markdown</div>

Template: {{< param "title" >}} {{% unknown %}} {{ 7 | times: 6 }} {% include nothing.html %}

Code stays code: `List<int>` and

```html
<b>bold in code</b> {{< param "title" >}} {{ 7 | times: 6 }}
```
"""


class _Markup(HTMLParser):
    """What of a page could run: scripts, event attributes, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "xss" in value:
                self.runs.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction"):
                scheme = re.sub(r"[\x00-\x20]", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:text")):
                    self.runs.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "xss" in data:
            self.runs.append(f"<script>{data}</script>")
        self.text.append(data)


@pytest.mark.parametrize("generator", GENERATORS)
def test_no_markup_from_an_article_runs_on_the_built_site(generator, tmp_path):
    """Raw HTML, script URLs, attribute lists and template code in an article,
    built by the real generator (Hugo with raw HTML allowed, MkDocs with
    attribute lists, as many sites have them): nothing runs, the build does not
    break on an unknown shortcode or include, code still shows as code, and the
    article reads back as Wonderblogs sent it."""
    site = new_site(generator, tmp_path)
    store = MarkdownStore(site.posts, generator=generator)
    saved = store.save(article(slug="hostile-post", title="Hostile post", content=HOSTILE))
    site.build()
    [(path, page)] = [
        (path, html)
        for path, html in site.pages().items()
        if "hostile-post" in path and "hostile-marker" in html
    ]
    markup = _Markup()
    markup.feed(page)
    assert markup.runs == [], path
    text = "".join(markup.text)
    assert "{{ 7 | times: 6 }}" in text  # shown, not run by Liquid
    assert '{{< param "title" >}}' in text  # shown, not expanded by Hugo
    assert "<b>bold in code</b>" in text  # code shows its markup as text
    assert "List<int>" in text
    assert "<script>" in text  # the article's tag is shown as text
    assert store.get(saved.id).payload.content == HOSTILE


def test_pelican_writes_no_draft_page_with_the_documented_setting(tmp_path):
    """Pelican builds drafts under output/drafts/, public if the folder is
    deployed; the static-sites page's DRAFT_SAVE_AS = "" keeps them out."""
    site = new_site("pelican", tmp_path)
    config = site.root / "pelicanconf.py"
    config.write_text(config.read_text() + 'DRAFT_SAVE_AS = ""\n')
    MarkdownStore(site.posts, generator="pelican").save(article(**PUBLISHED))
    MarkdownStore(site.posts, generator="pelican", draft=True).save(article(**DRAFT))
    site.build()
    pages = site.pages()
    assert [path for path, html in pages.items() if "draft-marker" in html] == []
    assert any("published-marker" in html for html in pages.values())
    text = (ROOT / "docs" / "static-sites.md").read_text()
    assert 'DRAFT_SAVE_AS = ""' in text
