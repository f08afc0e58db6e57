"""The documentation site as a reader sees it at 1280 px, in Chromium: no
code block needs horizontal scrolling, and no option in a table breaks over
lines (what a table's first column names: an option, a setting, a path). The
site is built as the docs session builds it; one page of the test's
own loads every page of the site in a frame and measures it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.browser import browse
from harness.servers import ROOT

WIDTH = 1280

#: Every page in a frame of its own, measured once all have loaded (the
#: window's load event waits for its frames, and the DOM is dumped after it).
_MEASURE = """<!doctype html><html><body>%(frames)s<script>
window.addEventListener("load", () => {
  const found = [];
  for (const frame of document.querySelectorAll("iframe")) {
    const page = frame.getAttribute("src");
    const doc = frame.contentDocument;
    for (const code of doc.querySelectorAll(".md-content pre > code")) {
      if (code.scrollWidth > code.clientWidth + 1) {
        const lines = code.textContent.split("\\n");
        const widest = lines.reduce((a, b) => (b.length > a.length ? b : a));
        found.push(page + ": a code block scrolls: " + widest.trim().slice(0, 90));
      }
    }
    for (const code of doc.querySelectorAll(".md-content td:first-child code")) {
      if (code.getClientRects().length > 1) {
        found.push(page + ": a table cell breaks " + code.textContent);
      }
    }
  }
  const result = document.createElement("pre");
  result.id = "result";
  result.textContent = JSON.stringify(found);
  document.body.appendChild(result);
});
</script></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    built = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(built)],
        cwd=ROOT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pages = sorted(
        "/" + str(page.relative_to(built)) for page in built.rglob("index.html")
        if "404" not in str(page) and "reference" not in str(page)
    )  # fmt: skip
    handler = partial(SimpleHTTPRequestHandler, directory=str(built))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        frames = "".join(
            f'<iframe src="{page}" style="width: {WIDTH}px; height: 900px"></iframe>'
            for page in pages
        )
        (built / "measure.html").write_text(_MEASURE % {"frames": frames})
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()
        server.server_close()


def test_no_code_block_scrolls_and_no_option_breaks_at_1280_px(site, tmp_path):
    base, pages = site
    assert len(pages) >= 15
    dom = browse(
        f"{base}/measure.html", tmp_path / "profile",
        # Nothing but this server: the site's web fonts fail at once (system fonts then).
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--window-size={WIDTH + 100},1000", "--dump-dom",
    )  # fmt: skip
    result = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert result is not None, "the measuring page did not finish"
    found = json.loads(result.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert found == [], "\n".join(found)


def test_the_reference_links_its_names_and_shows_no_role(site):
    import urllib.request

    base, _ = site
    with urllib.request.urlopen(f"{base}/reference/") as answer:
        html = answer.read().decode()
    assert not re.search(r":(class|meth|func|data|attr|exc):(`|<code>)", html)
    # Names in docstrings are links to their entries.
    assert 'href="#wonderblogs_target.errors.ImageDownloadError"' in html
    assert 'href="#wonderblogs_target.stores.Store"' in html


def test_a_role_the_reference_cannot_render_fails_the_build(tmp_path):
    """The site's hook turns a Sphinx role left in a page into a build error."""
    import shutil

    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    (docs / "index.md").write_text("# Home\n\nSee :class:`WonderblogsTarget`.\n")
    config = (
        (ROOT / "mkdocs.yml").read_text().replace("plugins:", f"docs_dir: {docs}\n\nplugins:", 1)
    )
    (tmp_path / "mkdocs.yml").write_text(config)
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(tmp_path / "mkdocs.yml"),
         "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert built.returncode != 0
    assert "index.md: a Sphinx role the site cannot render" in built.stdout + built.stderr


@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("/reference/", "docs-reference-1280.png"),  # signatures formatted, names linked
        ("/static-sites/", "docs-options-1280.png"),  # the options table, no option broken
    ],
)
def test_the_rendered_pages_look_as_their_pictures_in_the_docs(site, tmp_path, page, name):
    from harness.browser import screenshot

    base, _ = site
    screenshot(f"{base}{page}", tmp_path / "profile", name, f"{WIDTH},1000", min_bytes=20_000)
