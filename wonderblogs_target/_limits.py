"""The contract's numbers that modules below the models need too (the
stores, the core), defined once here so that they need not import the
models, and pydantic's model machinery with them, to know a number."""

from __future__ import annotations

__all__ = ["RECENT_ARTICLES_MAX"]

#: How many recent articles a context may list: the contract's limit, which the
#: stores fill up to.
RECENT_ARTICLES_MAX = 50
