"""The one shape of a refused inbox request: which field is wrong, and why (in the
reader's language). Views show it on that field; the API returns it under that key."""

from __future__ import annotations


class InboxError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
