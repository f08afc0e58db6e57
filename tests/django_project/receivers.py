"""A deferred ``article_received`` receiver of the test project, as a site
writes one (module level, so the task worker can import it)."""

from __future__ import annotations

from typing import Any

from wonderblogs_target.contrib.django.receivers import deferred

#: What the receiver was called with: (slug, created, payload title).
RECEIVED: list[tuple[str, bool, str]] = []
#: Calls still to fail before the receiver succeeds.
FAILURES: list[str] = []


@deferred
def remember(sender: Any, article: Any, payload: Any, created: bool, **kwargs: Any) -> None:
    if FAILURES:
        raise RuntimeError(FAILURES.pop())
    RECEIVED.append((article.slug, created, payload.title))


#: Slugs ``on_publish`` was called with.
PUBLISHED: list[str] = []


def on_publish(payload: Any) -> None:
    """An ``ON_PUBLISH`` hook that fails while ``FAILURES`` has entries."""
    if FAILURES:
        raise RuntimeError(FAILURES.pop())
    PUBLISHED.append(payload.slug)
