"""``article_received``: sent once the transaction that saved an article has
committed, so a receiver never sees a row that was rolled back.

    from django.dispatch import receiver
    from wonderblogs_target.contrib.django.signals import article_received

    @receiver(article_received)
    def rebuild(sender, article, payload, created, **kwargs): ...

``article`` is the saved `Article`, ``payload`` the
[`PublishPayload`][wonderblogs_target.models.PublishPayload] as received, ``created`` True for a
new article and False for a re-push or a rewrite.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["article_received"]

article_received = Signal()
