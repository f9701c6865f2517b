"""Form pieces every network's connect form shares."""

from __future__ import annotations

from django import forms

from parvis.core.http import UnsafeURLError, check_url, normalise_base_url


def clean_server_url(raw: str, code: str) -> str:
    """A server address as typed (`mastodon.social`) → its base URL, refusing malformed
    ones and, unless allowed, private addresses."""
    try:
        url = normalise_base_url(raw)
        check_url(url)
    except UnsafeURLError as exc:
        raise forms.ValidationError(str(exc), code=code) from exc
    return url
