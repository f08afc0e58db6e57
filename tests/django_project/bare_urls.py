"""A URLconf without the app's URLs, for the check that warns about it."""

from typing import Any

urlpatterns: list[Any] = []
