"""The app's delivery log as a [`DeliveryLog`][wonderblogs_target.stores.DeliveryLog]:
the ``Delivery`` model, which already records every POST, also keeps the body
of a valid article the site failed to store. The rules of what is kept and how
it is applied again are the store layer's (`wonderblogs_target.stores`); this
only reads and writes the rows."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from ...stores import KeptDelivery, Unstored, numeric_id
from .models import Delivery

__all__ = ["DjangoDeliveryLog", "kept_delivery"]


def kept_delivery(row: Delivery) -> KeptDelivery:
    """The row as the store layer's `KeptDelivery`."""
    return KeptDelivery(
        id=str(row.pk),
        received_at=row.received_at,
        status=row.status_code,
        error=row.note,
        body=None if row.body is None else row.body.encode(),
        applied_at=row.applied_at,
        applied_status=row.applied_status,
    )


class DjangoDeliveryLog:
    """Deliveries in the ``Delivery`` table of the database ``using``. Refused
    ones are recorded too (without a body), as the log always did; accepted
    ones are recorded by the store, in the save's own transaction."""

    def __init__(self, using: str = "default") -> None:
        self.using = using

    def record(self, unstored: Unstored) -> str | None:
        row = Delivery.objects.using(self.using).create(
            outcome=Delivery.Outcome.REFUSED if unstored.status < 500 else Delivery.Outcome.FAILED,
            status_code=unstored.status,
            note=unstored.error,
            body=None if unstored.body is None else unstored.body.decode(),
        )
        return str(row.pk)

    def kept(self, *, waiting: bool = False, limit: int = 100) -> list[KeptDelivery]:
        rows = Delivery.objects.using(self.using).filter(body__isnull=False)
        if waiting:
            rows = rows.filter(applied_at__isnull=True)
        return [kept_delivery(row) for row in rows.order_by("-id")[:limit]]

    def get(self, delivery_id: str) -> KeptDelivery | None:
        ident = numeric_id(delivery_id)
        if ident is None:
            return None
        row = Delivery.objects.using(self.using).filter(pk=ident).first()
        return None if row is None else kept_delivery(row)

    def mark_applied(self, delivery_id: str, status: int) -> None:
        Delivery.objects.using(self.using).filter(pk=int(delivery_id)).update(
            applied_at=timezone.now(), applied_status=status
        )

    def forget(self, older_than: timedelta, *, dry_run: bool = False) -> int:
        old = (
            Delivery.objects.using(self.using)
            .filter(received_at__lt=timezone.now() - older_than)
            .exclude(Q(body__isnull=False) & Q(applied_at__isnull=True))
        )
        return int(old.count() if dry_run else old.delete()[0])
