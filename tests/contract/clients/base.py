"""The one interface every framework client offers to the shared contract suite."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
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
        headers: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        body: bytes = b"",
    ) -> ClientResponse:
        """``headers`` as a mapping, or as pairs when a name must repeat."""
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
        return self.send(method, path, pairs, body)

    @abstractmethod
    def send(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> ClientResponse:
        """One request, through the framework's test client."""


def joined(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Repeated headers as one, comma-separated: what a WSGI server hands on."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = next((k for k in headers if k.lower() == name.lower()), name)
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}
