"""Secrets are masked in every log line.

Links that grant access by themselves (client portal, calendar feed, invitation, password
reset), API tokens, Authorization headers and `…token=` query parameters are replaced by
`[redacted]` before any handler writes a record. The filter sits on the root handler, so
waitress, Django's request warnings ("Not Found: /portal/<token>/"), huey and parvis's
own loggers all pass through it, tracebacks included.
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"
_SEP = r"(?:/|%2F)"  # a path may also appear URL-encoded, e.g. in ?next=%2Finvitations%2F…
_SEGMENT = r"[^/\s?#&\"'<>%]+"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # /portal/<token>/…, /invitations/<token>/, /ics/<token>.ics
    (re.compile(rf"({_SEP}(?:portal|invitations|ics){_SEP}){_SEGMENT}", re.IGNORECASE), rf"\g<1>{MASK}"),
    # /password/reset/<uidb64>/<token>/
    (re.compile(rf"({_SEP}password{_SEP}reset{_SEP}){_SEGMENT}{_SEP}{_SEGMENT}", re.IGNORECASE),
     rf"\g<1>{MASK}/{MASK}"),
    # Authorization: Bearer …, 'HTTP_AUTHORIZATION': 'Token …'
    (re.compile(r"(authorization[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|token|basic)\s+)?[^\s\"',;}]+",
                re.IGNORECASE), rf"\g<1>{MASK}"),
    # ?token=…, &access_token=…, csrfmiddlewaretoken=…
    (re.compile(r"([\w.-]*token=)[^&\s\"'#<>]+", re.IGNORECASE), rf"\g<1>{MASK}"),
    # a personal API token anywhere
    (re.compile(r"pvs_[A-Za-z0-9_-]+"), f"pvs_{MASK}"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """A handler filter that rewrites the record's message (and traceback) with secrets
    masked; it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: leave it to the formatter
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
