"""Article Markdown as safe HTML, for every page that shows an article to a
person (the ``serve`` inbox, the Django admin).

markdown-it-py with raw HTML turned off: a ``<script>`` in an article shows as
text and never runs, and links keep markdown-it's own refusal of
``javascript:`` and similar URLs. Needs ``markdown-it-py`` (the ``serve`` and
``django`` extras bring it).
"""

from __future__ import annotations

from ._extras import missing_extra

try:
    from markdown_it import MarkdownIt
except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
    raise missing_extra("markdown_it", "serve") from exc

__all__ = ["render_markdown"]

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> str:
    """HTML for ``text``; raw HTML in it is escaped, not passed through."""
    html: str = _renderer.render(text)
    return html
