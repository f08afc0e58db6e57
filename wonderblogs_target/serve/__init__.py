"""``wonderblogs-target serve``: a complete target for sites without a Python app.

It serves the target endpoint at ``/api/wonderblogs`` with the brand context
from ``wonderblogs.toml``, keeps every article in a store (SQLite by default,
PostgreSQL, or Markdown files for a static site generator) and shows them in a
read-only inbox at ``/``. Install with ``pip install "wonderblogs-target[serve]"``.
"""

from ..stores import DEFAULT_STORE_URL, Store, StoredPost, open_store
from .app import TARGET_PATH, create_app
from .config import ServeConfig, load_config

__all__ = [
    "DEFAULT_STORE_URL",
    "TARGET_PATH",
    "ServeConfig",
    "Store",
    "StoredPost",
    "create_app",
    "load_config",
    "open_store",
]
