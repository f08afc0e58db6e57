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

``WONDERBLOGS["DEFER"] = ["on_publish"]`` does the same for the
``ON_PUBLISH`` callable: the endpoint writes a job down where it would call
it, and the worker calls it with the payload of the article as stored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.utils.module_loading import import_string

from ...stores._jobs import Job, JobHandler

__all__ = ["deferred", "deferred_handlers", "deferred_on_publish"]

Receiver = TypeVar("Receiver", bound=Callable[..., Any])

#: The job kinds of a deferred receiver and of a deferred ``ON_PUBLISH``.
KIND = "receiver"
ON_PUBLISH = "on_publish"


def deferred(receiver: Receiver) -> Receiver:
    """Make ``receiver`` (a module-level function) run on the task worker."""
    path = f"{receiver.__module__}.{receiver.__qualname__}"
    if "<locals>" in path:
        raise ValueError(f"a deferred receiver must be defined at module level, not {path}")

    @functools.wraps(receiver)
    def enqueue(sender: Any, article: Any, created: bool = False, **kwargs: Any) -> None:
        from .tasks import job_queue

        using = article._state.db or "default"
        # The subject names the receiver too: one job per receiver and article.
        job_queue(using).enqueue(
            KIND,
            f"{article.pk} {path}",
            {"receiver": path, "created": bool(created), "using": using},
        )

    enqueue.__wonderblogs_deferred__ = receiver  # type: ignore[attr-defined]
    return enqueue  # type: ignore[return-value]


def _run_receiver(job: Job) -> str:
    from .models import Article

    found = import_string(job.data["receiver"])
    receiver = getattr(found, "__wonderblogs_deferred__", found)
    article_id = job.subject.split(" ", 1)[0]
    rows = Article.objects.using(job.data.get("using", "default"))
    article = rows.filter(pk=int(article_id)).first()
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


def deferred_on_publish(payload: Any) -> None:
    """What the endpoint calls instead of ``ON_PUBLISH`` when it is deferred:
    a job for the article just stored (its transaction has committed)."""
    from ...stores._base import post_identity
    from .models import Article
    from .tasks import job_queue

    slug, locale = post_identity(payload)
    article = Article.objects.filter(slug=slug, locale=locale).first()
    if article is None:  # pragma: no cover - the store has just saved it
        raise LookupError(f"article {slug!r} ({locale}) is not stored")
    using = article._state.db or "default"
    job_queue(using).enqueue(ON_PUBLISH, str(article.pk), {"using": using})


def _run_on_publish(job: Job) -> str:
    import asyncio
    import inspect

    from .conf import loaded
    from .models import Article

    hook = loaded("ON_PUBLISH")
    if hook is None:
        return "ON_PUBLISH is not set any more; nothing was called"
    rows = Article.objects.using(job.data.get("using", "default"))
    article = rows.filter(pk=int(job.subject)).first()
    if article is None:
        return "the article is gone; ON_PUBLISH was not called"
    result = hook(article.payload())
    if inspect.isawaitable(result):
        asyncio.run(_awaited(result))
    return "ON_PUBLISH ran"


async def _awaited(result: Any) -> None:
    await result


def deferred_handlers() -> Mapping[str, JobHandler]:
    """The handlers of deferred receivers' and ``ON_PUBLISH``'s jobs."""
    return {KIND: _run_receiver, ON_PUBLISH: _run_on_publish}
