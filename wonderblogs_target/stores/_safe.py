"""Article Markdown made safe to build: the one place that says what of an
article a static-site generator is never given to run.

The generators pass raw HTML in Markdown through (Jekyll's kramdown, Astro,
MkDocs' and Pelican's Python-Markdown; Hugo escapes it unless a site turns that
off), follow any link scheme, read attribute lists (``{: onclick=...}`` in
kramdown and Python-Markdown) and expand template code before Markdown (Hugo's
shortcodes, Jekyll's Liquid). An article is text from outside the site, so the
store writes its body through `safe_markdown`, which changes only what
would run:

- raw HTML: every ``<`` outside code is written ``&lt;``, so a tag shows as
  text; autolinks to http(s) and mailto stay links;
- ``{`` outside code is written ``&#123;``: no attribute list, shortcode,
  Liquid tag or macro can start there, and a reader still sees a brace;
- link destinations (inline links and images, reference definitions) with a
  scheme other than http, https, mailto and tel are made relative
  (``./javascript:...``), which no browser runs;
- code is left exactly as written, since every generator escapes it: a fenced
  block counts as code only in the form every generator agrees on (fences at
  the start of the line, closed, with a blank line around them, which is
  added where missing), an inline code span only within one line. Anything
  else is treated as text, which can only make it safer.

Template code inside code is the generator's own concern
(`hugo_shortcodes_escaped`; Jekyll's posts are written with
``render_with_liquid: false``). The store's record keeps the article exactly
as Wonderblogs sent it.
"""

from __future__ import annotations

import html
import re

__all__ = ["hugo_shortcodes_escaped", "safe_markdown"]

#: Link schemes a built page may follow.
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

_FENCE_OPEN = re.compile(r"(`{3,}|~{3,})(.*)")
_BACKTICKS = re.compile(r"`+")
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^\s<>]*>", re.I)
_INLINE_DESTINATION = re.compile(r"\]\(\s*<?")
_REFERENCE = re.compile(r"( {0,3}\[[^\]]+\]:[ \t]*<?)")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
# Characters a browser drops from a URL before reading its scheme.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]")


def _closing(lines: list[str], start: int, fence: str) -> int | None:
    """The index of the line closing the fence opened at ``start``, if any."""
    for index in range(start + 1, len(lines)):
        line = lines[index].rstrip("\r\n")
        if line.startswith(fence[0] * len(fence)) and not line.strip(fence[0]).strip():
            return index
    return None


def _unsafe_scheme(destination: str) -> bool:
    """Whether a link destination starts with a scheme a browser would run."""
    decoded = _IGNORED_IN_SCHEME.sub("", html.unescape(destination)).lower()
    found = _SCHEME.match(decoded)
    return found is not None and found[1] not in SAFE_SCHEMES


def _defuse_destinations(text: str) -> str:
    """Make every link destination with an unsafe scheme relative."""
    out: list[str] = []
    position = 0
    for found in _INLINE_DESTINATION.finditer(text):
        start = found.end()
        if _unsafe_scheme(text[start : start + 64]):
            out.append(text[position:start] + "./")
            position = start
    out.append(text[position:])
    text = "".join(out)
    reference = _REFERENCE.match(text)
    if reference and _unsafe_scheme(text[reference.end() : reference.end() + 64]):
        text = text[: reference.end()] + "./" + text[reference.end() :]
    return text


def _escape_text(text: str) -> str:
    """Raw HTML, braces and unsafe link schemes in text (not code) made inert."""
    text = _defuse_destinations(text)
    parts: list[str] = []
    position = 0
    for link in _AUTOLINK.finditer(text):
        parts.append(_inert(text[position : link.start()]))
        parts.append(link.group().replace("{", "%7B"))
        position = link.end()
    parts.append(_inert(text[position:]))
    return "".join(parts)


def _inert(text: str) -> str:
    return text.replace("<", "&lt;").replace("{", "&#123;")


def _safe_line(line: str) -> str:
    """One line of text: code spans kept, the rest made inert."""
    out: list[str] = []
    position = 0
    search = 0
    while True:
        opening = _BACKTICKS.search(line, search)
        if opening is None:
            break
        backslashes = len(line[: opening.start()]) - len(line[: opening.start()].rstrip("\\"))
        if backslashes % 2:  # an escaped backtick opens nothing
            search = opening.start() + 1
            continue
        run = opening.group()
        closing = re.compile(rf"(?<!`){run}(?!`)").search(line, opening.end())
        if closing is None:
            search = opening.end()
            continue
        out.append(_escape_text(line[position : opening.start()]))
        out.append(line[opening.start() : closing.end()])  # code, as written
        position = search = closing.end()
    out.append(_escape_text(line[position:]))
    return "".join(out)


def safe_markdown(text: str) -> str:
    """``text`` with nothing a generator would run; see the module's rules."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = _FENCE_OPEN.fullmatch(line.rstrip("\r\n"))
        fence = opening[1] if opening else ""
        closing = None
        if opening and not (fence[0] == "`" and "`" in opening[2]):
            closing = _closing(lines, index, fence)
        if closing is None:
            out.append(_safe_line(line))
            index += 1
            continue
        # A fenced block every generator reads as one: blank lines around it.
        if out and out[-1].strip():
            out.append("\n" if out[-1].endswith("\n") else "\n\n")
        block = lines[index : closing + 1]
        if not block[-1].endswith("\n"):
            block[-1] += "\n"
        out.extend(block)
        index = closing + 1
        if index < len(lines) and lines[index].strip():
            out.append("\n")
    return "".join(out)


_SHORTCODE = re.compile(r"\{\{([<%])(?!/\*)(.*?)(?<!\*/)([>%])\}\}", re.S)


def hugo_shortcodes_escaped(text: str) -> str:
    """Hugo's own escape for shortcodes, ``{{</* name */>}}``: Hugo expands
    shortcodes before Markdown, code included, and shows escaped ones as text."""
    return _SHORTCODE.sub(lambda m: f"{{{{{m[1]}/*{m[2]}*/{m[3]}}}}}", text)
