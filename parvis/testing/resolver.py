"""A name server that changes its answer, for tests of DNS rebinding.

`rebinding(monkeypatch, "cdn.example", first=["93.184.215.14"], then=["127.0.0.1"])`
makes `socket.getaddrinfo` answer the first list the first time the name is asked for,
and the second list every time after; other names resolve as usual. Code that checks a
name and then lets a client resolve it again reaches the second answer; code that
connects to the address it checked never does.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

PUBLIC = "93.184.215.14"  # a globally routable address; tests may not reach it (conftest)


class Rebinding:
    def __init__(self, name: str, first: list[str], then: list[str]) -> None:
        self.name, self.first, self.then = name, first, then
        self.asked = 0
        self._real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else host
        if name != self.name:
            return self._real(host, port, *args, **kwargs)
        self.asked += 1
        answers = self.first if self.asked == 1 else self.then
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                 (a, int(port or 0))) for a in answers]


def rebinding(monkeypatch: pytest.MonkeyPatch, name: str, first: list[str] | None = None,
              then: list[str] | None = None) -> Rebinding:
    resolver = Rebinding(name, first or [PUBLIC], then or ["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return resolver
