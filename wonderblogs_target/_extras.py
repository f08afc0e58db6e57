"""Turn a missing optional dependency into an ImportError that says what to install."""

from __future__ import annotations

__all__ = ["missing_extra"]


def missing_extra(module: str, extra: str) -> ImportError:
    """The error an adapter raises when its framework is absent.

    Used as ``raise missing_extra("flask", "flask") from exc`` around the
    framework imports, so the imports stay typed.
    """
    return ImportError(
        f"wonderblogs_target needs {module!r} here; install it with "
        f'pip install "wonderblogs-target[{extra}]"'
    )
