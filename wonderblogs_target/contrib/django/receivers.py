"""Receivers of ``article_received`` that run after the answer, on the site's
task worker, instead of inside the request:

    from django.dispatch import receiver
    from wonderblogs_target.contrib.django.receivers import deferred
    from wonderblogs_target.contrib.django.signals import article_received

    @receiver(article_received)
    @deferred
    def rebuild_search_index(sender, article, payload, created, **kwargs): ...

When the signal is sent, the decorated receiver only writes a job down; the
``run_deferred_job`` task then calls the function with the article as it is
in the database and the payload it holds. It is tried again after a pause
when it raises, and marked failed with its error after the last attempt
(``WONDERBLOGS["DEFERRED_JOBS"]``). Since a job may run twice (a worker
killed before it noted the job done), a deferred receiver should do its work
once however often it runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.utils.module_loading import import_string

from ...stores._jobs import Job, JobHandler

__all__ = ["deferred", "deferred_handlers"]

Receiver = TypeVar("Receiver", bound=Callable[..., Any])

#: The job kind of a deferred receiver.
KIND = "receiver"


def deferred(receiver: Receiver) -> Receiver:
    """Make ``receiver`` (a module-level function) run on the task worker."""
    path = f"{receiver.__module__}.{receiver.__qualname__}"
    if "<locals>" in path:
        raise ValueError(f"a deferred receiver must be defined at module level, not {path}")

    @functools.wraps(receiver)
    def enqueue(sender: Any, article: Any, created: bool = False, **kwargs: Any) -> None:
        from .jobs import DjangoJobQueue
        from .tasks import hand_to_tasks

        queue = DjangoJobQueue(article._state.db or "default", on_enqueue=hand_to_tasks)
        # The subject names the receiver too: one job per receiver and article.
        queue.enqueue(KIND, f"{article.pk} {path}", {"receiver": path, "created": bool(created)})

    enqueue.__wonderblogs_deferred__ = receiver  # type: ignore[attr-defined]
    return enqueue  # type: ignore[return-value]


def _run_receiver(job: Job) -> str:
    from .models import Article

    found = import_string(job.data["receiver"])
    receiver = getattr(found, "__wonderblogs_deferred__", found)
    article_id = job.subject.split(" ", 1)[0]
    article = Article.objects.filter(pk=int(article_id)).first()
    if article is None:
        return "the article is gone; the receiver was not called"
    receiver(
        sender=Article,
        article=article,
        payload=article.payload(),
        created=bool(job.data.get("created")),
        signal=None,
    )
    return f"{job.data['receiver']} ran"


def deferred_handlers() -> Mapping[str, JobHandler]:
    """The handler of deferred receivers' jobs."""
    return {KIND: _run_receiver}
