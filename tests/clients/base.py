"""The one interface every framework client offers to the shared contract suite."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PATH = "/api/wonderblogs"


@dataclass
class ClientResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


class HttpClient(ABC):
    """Built from the endpoint options; sends one request through the framework's own
    test client. Subclasses implement :meth:`send` only."""

    name: str

    def request(
        self,
        method: str,
        *,
        path: str = PATH,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> ClientResponse:
        return self.send(method, path, dict(headers or {}), body)

    @abstractmethod
    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> ClientResponse:
        """One request, through the framework's test client."""


def lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}
