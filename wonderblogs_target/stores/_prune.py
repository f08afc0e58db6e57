"""Keeping a store bounded: what the ``prune`` commands (``wonderblogs-target
prune`` and ``manage.py wonderblogs_prune``) remove, decided once for both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..errors import PublishRejected
from ._base import Store, StoredPost, is_check_article
from ._deliveries import delivery_log_of
from ._jobs import job_queue_of

__all__ = ["DEFAULT_DELIVERY_LOG_DAYS", "Pruned", "prune"]

#: Days a delivery stays in a delivery log before ``prune`` removes it.
DEFAULT_DELIVERY_LOG_DAYS = 90


@dataclass(frozen=True)
class Pruned:
    """What `prune` removed (or, in a dry run, would remove), and what it
    left and why."""

    removed: list[StoredPost]
    left: list[tuple[StoredPost, str]]
    #: Revisions beyond the retention setting that went (or would go).
    revisions: int = 0
    #: Rows of the delivery log older than ``delivery_days`` that went (or would go).
    deliveries: int = 0
    delivery_days: int = DEFAULT_DELIVERY_LOG_DAYS
    #: Deferred jobs done longer ago than ``delivery_days`` that went (or would go).
    jobs: int = 0

    def to_text(self, *, dry_run: bool = False) -> str:
        """What the ``prune`` commands print."""
        verb = "would remove" if dry_run else "removed"
        lines = [
            f"{verb} {self.revisions} revision(s) beyond the store's retention setting",
            f"{verb} {self.deliveries} delivery log row(s) older than {self.delivery_days} days "
            "(a delivery waiting to be applied again stays)",
        ]
        if self.jobs:
            lines.append(
                f"{verb} {self.jobs} deferred job(s) done more than {self.delivery_days} days "
                "ago (a failed one stays)"
            )
        if not self.removed and not self.left:
            return "\n".join([*lines, "no test articles of wonderblogs-target check to remove"])
        lines.append(f"{verb} {len(self.removed)} test article(s) of wonderblogs-target check:")
        lines += [f"  {p.id}  {p.payload.slug} ({p.payload.locale})" for p in self.removed]
        for post, reason in self.left:
            lines.append(f"left {post.id}  {post.payload.slug}: {reason}")
        return "\n".join(lines)


def prune(
    store: Store, *, dry_run: bool = False, delivery_days: int = DEFAULT_DELIVERY_LOG_DAYS
) -> Pruned:
    """What the ``prune`` commands do: remove from ``store`` the revisions
    beyond its retention setting, the kept deliveries older than
    ``delivery_days`` (unless one still waits to be applied again), and the
    deferred jobs done as long ago, the
    test articles of ``wonderblogs-target check --publish`` with their
    revisions (``dry_run``: only say what would go); a test article a person
    changed since is left, with the reason."""
    trimmed = store.trim_revisions(dry_run=dry_run)
    log = delivery_log_of(store)
    forgotten = 0
    if log is not None:
        forgotten = log.forget(timedelta(days=delivery_days), dry_run=dry_run)
    queue = job_queue_of(store)
    jobs = 0 if queue is None else queue.forget(timedelta(days=delivery_days), dry_run=dry_run)
    found = [post for post in store.recent(max(store.count(), 1)) if is_check_article(post.payload)]
    if dry_run:
        return Pruned(found, [], trimmed, forgotten, delivery_days, jobs)
    removed: list[StoredPost] = []
    left: list[tuple[StoredPost, str]] = []
    for post in found:
        try:
            if store.remove(post.id):
                removed.append(post)
        except PublishRejected as exc:
            left.append((post, exc.message))
    return Pruned(removed, left, trimmed, forgotten, delivery_days, jobs)
