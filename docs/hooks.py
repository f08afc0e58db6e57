"""MkDocs hooks of this site (``hooks:`` in mkdocs.yml)."""

from __future__ import annotations

import re
from typing import Any

from mkdocs.exceptions import PluginError

#: A Sphinx role left in a docstring or a page: Markdown renders its backticks
#: as code, so it shows as ``:class:<code>Name</code>``.
_ROLE = re.compile(r":(?:class|meth|func|data|attr|mod|exc|obj|ref):(?:`|<code>)")


def on_page_content(html: str, page: Any, **_: Any) -> str:
    """Fail the build on a role the reference cannot render, instead of
    publishing it as raw text: docstrings link with ``[`name`][path]``."""
    found = _ROLE.search(html)
    if found is not None:
        start = max(found.start() - 60, 0)
        raise PluginError(
            f"{page.file.src_path}: a Sphinx role the site cannot render: "
            f"...{html[start : found.end() + 40]}... (write [`name`][full.path] instead)"
        )
    return html
