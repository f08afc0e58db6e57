"""The read-only inbox: what ``serve`` received, as a person reads it.

Article Markdown is rendered by markdown-it-py with raw HTML turned off, so
a ``<script>`` in an article shows as text; every other value is escaped, and
the pages carry a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

from html import escape

from .._markdown import render_markdown
from ..stores import StoredPost, is_check_article

__all__ = ["SECURITY_HEADERS", "render_index", "render_post"]

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}

_STYLE = """
body{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
color:#1d1d1f}a{color:#0b5fff}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.4rem;border-bottom:1px solid #ddd;vertical-align:top}
.meta{color:#555;font-size:.9rem}.tag{display:inline-block;background:#eef;border-radius:3px;
padding:0 .4rem;margin:0 .2rem .2rem 0}pre{background:#f5f5f7;padding:.8rem;overflow:auto}
.demo{background:#fff4ce;padding:.6rem}tr.check{background:#f3f3f3;color:#666}
.check-mark{font-size:.8rem;border:1px solid #999;border-radius:3px;padding:0 .3rem;
margin-left:.4rem}
"""
# The checker's test articles are listed apart, so nobody takes them for content.
_CHECK_MARK = "<span class=check-mark>test article from wonderblogs-target check</span>"


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def _when(post: StoredPost) -> str:
    return post.published_at.strftime("%Y-%m-%d %H:%M UTC")


def render_index(title: str, posts: list[StoredPost], *, demo: bool) -> str:
    banner = (
        "<p class=demo>Serving the <strong>demo context</strong>: start with "
        "<code>--config wonderblogs.toml</code> to send your own.</p>"
        if demo
        else ""
    )
    if not posts:
        listing = "<p>No articles yet. Wonderblogs posts them to <code>/api/wonderblogs</code>.</p>"
    else:
        rows = "".join(
            f"<tr{' class=check' if is_check_article(p.payload) else ''}><td>"
            f"<a href='/posts/{escape(p.id, quote=True)}'>{escape(p.payload.title)}</a>"
            f"{_CHECK_MARK if is_check_article(p.payload) else ''}"
            f"<div class=meta>{escape(p.payload.description)}</div></td>"
            f"<td>{escape(p.payload.locale)}</td><td>{_when(p)}</td><td>{p.revision}</td></tr>"
            for p in posts
        )
        listing = (
            "<table><thead><tr><th>Article</th><th>Locale</th><th>Received</th>"
            f"<th>Revision</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    count = f"<p class=meta>{len(posts)} article{'s' if len(posts) != 1 else ''}</p>"
    return _page(title, f"<h1>{escape(title)}</h1>{banner}{count}{listing}")


def render_post(post: StoredPost, earlier: int) -> str:
    p = post.payload
    tags = "".join(f"<span class=tag>{escape(t)}</span>" for t in p.tags)
    cover = ""
    if p.cover_image_url:
        url = escape(p.cover_image_url, quote=True)
        cover = (
            f"<p><img src='{url}' alt='Cover image' style='max-width:100%'></p>"
            if p.cover_image_url.startswith("https://")
            else f"<p class=meta>Cover image (needs the API key): <code>{url}</code></p>"
        )
    sources = ""
    if p.sources:
        items = "".join(
            f"<li>{escape(s.title)} <span class=meta>{escape(s.url)}</span></li>" for s in p.sources
        )
        sources = f"<h2>Sources</h2><ul>{items}</ul>"
    facts = [
        ("Slug", p.slug),
        ("Locale", p.locale),
        ("Author", p.author or "-"),
        ("SEO title", p.seo.meta_title),
        ("SEO description", p.seo.meta_description),
        ("Received", _when(post)),
        ("Revision", f"{post.revision} ({earlier} earlier kept)"),
    ]
    if p.external_id:
        facts.append(("External id", p.external_id))
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    body = (
        "<p><a href='/'>&larr; Inbox</a></p>"
        f"<h1>{escape(p.title)}</h1><p class=meta>{escape(p.description)}</p>"
        f"<p>{tags}</p>{cover}<table>{rows}</table><hr><article>{render_markdown(p.content)}"
        f"</article>{sources}"
    )
    return _page(p.title, body)
