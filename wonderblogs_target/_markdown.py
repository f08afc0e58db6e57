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

__all__ = ["render_markdown", "render_markdown_blocks"]

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> str:
    """HTML for ``text``; raw HTML in it is escaped, not passed through."""
    html: str = _renderer.render(text)
    return html


def render_markdown_blocks(text: str) -> list[str]:
    """The HTML of each top-level block (a paragraph, a heading, a list, a
    table, ...), for editors that hold one block each, such as a Wagtail
    StreamField."""
    tokens = _renderer.parse(text)
    blocks: list[str] = []
    start = 0
    for index, token in enumerate(tokens):
        if token.level == 0 and token.nesting <= 0:  # a top-level block ends here
            blocks.append(
                _renderer.renderer.render(tokens[start : index + 1], _renderer.options, {})
            )
            start = index + 1
    return [block for block in blocks if block.strip()]
