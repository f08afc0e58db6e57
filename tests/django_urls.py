"""URLconf for the Django tests; each DjangoClient fills it with its own view."""

from typing import Any

urlpatterns: list[Any] = []
