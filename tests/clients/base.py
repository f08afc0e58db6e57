"""The one interface every framework client offers to the shared contract suite."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

PATH = "/api/wonderblogs"


@dataclass
class ClientResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


class HttpClient(Protocol):
    """Built from the target options; sends one request through the framework's own test client."""

    name: str

    def request(
        self,
        method: str,
        *,
        path: str = PATH,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> ClientResponse: ...


def lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}
