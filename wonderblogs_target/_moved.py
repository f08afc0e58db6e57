"""Module paths that moved, kept importable for one minor release.

``wonderblogs_target.signing`` and its siblings moved into
`wonderblogs_target.callbacks` (0.2). Importing the old path still works, and
each name taken from it raises a ``DeprecationWarning`` naming the new path
(the deprecation policy in the changelog); the names the package root
exports are unchanged.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from typing import Any

#: Old module name (under the package) -> where it lives now.
MOVED = {
    "receiver": "callbacks.receiver",
    "signing": "callbacks.signing",
    "replay": "callbacks.replay",
    "events": "callbacks.events",
    "diagnose": "callbacks.diagnose",
}


class _Moved(types.ModuleType):
    """Stands in for a moved module: forwards every name, with a warning."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__(old, f"Moved to {new}.")
        self._new = new

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        warnings.warn(
            f"{self.__name__} moved to {self._new}; import {name} from there "
            "(or from wonderblogs_target)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(self._new), name)


def register(package: str) -> None:
    for old, new in MOVED.items():
        sys.modules.setdefault(f"{package}.{old}", _Moved(f"{package}.{old}", f"{package}.{new}"))
