"""A scripted ContestConnector for the contest tests: it wraps an account's real
connector (limits, counting and checks stay the network's) and adds the contest part of
the contract from pages the test writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from parvis.networks import base, registry
from parvis.networks.base import ErrorKind, NetworkError

Participant = base.Participant
ParticipantPage = base.ParticipantPage
OLD = datetime(2020, 1, 1, tzinfo=UTC)


def person(stable_id: str, way: str = "reply", *, handle: str = "", at: datetime | None = None, text: str = "",
           remote_id: str = "", created_at: datetime | None = OLD, bot: bool = False) -> Any:
    return Participant(stable_id=stable_id, handle=handle or f"@{stable_id}", display_name=stable_id.title(),
                       created_at=created_at, bot=bot, way=way, at=at, text=text,
                       remote_id=remote_id or (f"r-{stable_id}-{text[:8]}" if way == "reply" else ""))


@dataclass
class Script:
    """What the fake networks answer: pages per (post id, way), in order; followers;
    whom a private message reaches; and faults to raise."""

    pages: dict[tuple[str, str], list[list[Any]]] = field(default_factory=dict)
    ways: frozenset[str] = frozenset({"reply", "repost", "like", "follow"})
    followers: set[str] = field(default_factory=set)
    direct: bool = True
    rate_limit_at: set[tuple[str, str, str | None]] = field(default_factory=set)  # (post, way, cursor), once
    calls: list[tuple[str, str, str | None]] = field(default_factory=list)
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def page(self, remote_id: str, way: str, cursor: str | None) -> Any:
        self.calls.append((remote_id, way, cursor))
        if (remote_id, way, cursor) in self.rate_limit_at:
            self.rate_limit_at.discard((remote_id, way, cursor))
            raise NetworkError("rate limited", ErrorKind.TRANSIENT, retry_after=900)
        pages = self.pages.get((remote_id, way), [])
        index = int(cursor or 0)
        found = pages[index] if index < len(pages) else []
        return ParticipantPage(participants=list(found), cursor=str(index + 1) if index + 1 < len(pages) else None)


class FakeContestConnector:
    def __init__(self, real: Any, script: Script) -> None:
        self._real, self._script = real, script

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def contest_ways(self) -> frozenset[str]:
        return self._script.ways

    def participants(self, remote_id: str, way: str, cursor: str | None) -> Any:
        return self._script.page(remote_id, way, cursor)

    def followers_among(self, stable_ids: list[str]) -> dict[str, bool]:
        return {i: i in self._script.followers for i in stable_ids}

    def send_direct(self, stable_id: str, handle: str, text: str) -> str | None:
        if not self._script.direct:
            return None
        self._script.sent.append((stable_id, handle, text))
        return f"dm-{stable_id}"


def install(monkeypatch: Any, script: Script, networks: tuple[str, ...] = ("mastodon",)) -> Script:
    """Every account of `networks` gets the scripted contest part (the others keep theirs)."""
    real = registry.connector_for

    def connector_for(account: Any) -> Any:
        connector = real(account)
        return FakeContestConnector(connector, script) if account.network in networks else connector

    monkeypatch.setattr(registry, "connector_for", connector_for)
    return script
