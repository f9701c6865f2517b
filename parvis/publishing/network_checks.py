"""What each network asks of a post beyond the common limits, checked before scheduling:
its post options (a WordPress title, an Instagram first comment), validated by the form
its package declares (`NetworkInfo.options_form`), and its own rules (`connector.checks`:
media required, carousel sizes, reserved characters), each error naming its field and
its network.

Options live on the post per network key (`Post.options`); a network's form cleans them
and only the cleaned values are kept. Drafts may be incomplete: a missing required
option or a network rule does not stop saving one, a malformed value does.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

from django import forms
from django.core.serializers.json import DjangoJSONEncoder

from parvis.networks import registry
from parvis.networks.base import Draft, MediaFile
from parvis.networks.models import SocialAccount
from parvis.publishing.media_urls import reachability_problem
from parvis.publishing.types import FieldError, PostInput
from parvis.publishing.utm import final_input_text


@cache
def options_form(network: str) -> type[forms.Form] | None:
    """The network's post options form, or None when it has no options."""
    path = registry.get(network).options_form
    if not path:
        return None
    module, _, name = path.partition(":")
    form_class: type[forms.Form] = getattr(import_module(module), name)
    return form_class


def networks_of(data: PostInput) -> list[str]:
    return sorted({account.network for account in data.accounts})


def _label(network: str) -> str:
    return registry.get(network).label


def clean_options(data: PostInput) -> list[FieldError]:
    """Check each chosen network's options with its form and keep the cleaned values in
    `data.options` (only for the chosen networks that have options). Errors name the
    field as `options.<network>.<name>`."""
    errors: list[FieldError] = []
    cleaned: dict[str, dict[str, Any]] = {}
    for network in networks_of(data):
        form_class = options_form(network)
        if form_class is None:
            continue
        form = form_class(data=data.options.get(network) or {})
        if form.is_valid():
            cleaned[network] = _as_json(form.cleaned_data)
            continue
        for name, field_errors in form.errors.as_data().items():
            for error in field_errors:
                if data.mode == "draft" and error.code == "required":
                    continue  # a draft may be finished later
                message = " ".join(error.messages)
                # "WordPress, Title: This field is required." — the form's own words do not name the field.
                field = form.fields.get(name)
                where = f"{_label(network)}, {field.label}" if field is not None and field.label else _label(network)
                errors.append(FieldError(f"options.{network}.{name}", f"{where}: {message}",
                                         error.code or "invalid"))
        kept = {name: value for name, value in (data.options.get(network) or {}).items() if name in form.fields}
        cleaned[network] = _as_json({**kept, **form.cleaned_data})
    data.options = cleaned
    return errors


def _as_json(values: dict[str, Any]) -> dict[str, Any]:
    """Stored in a JSON column: dates and decimals as text."""
    loaded: dict[str, Any] = json.loads(json.dumps(values, cls=DjangoJSONEncoder))
    return loaded


def draft_for(account: SocialAccount, data: PostInput) -> Draft:
    """The post as it would go out on `account`, for its connector's `checks`."""
    media = tuple(MediaFile(path=Path(m.name), mime_type=m.mime_type, alt_text=m.alt_text, size=m.size,
                            width=m.width, height=m.height) for m in data.media)
    return Draft(text=final_input_text(data, account.network), media=media,
                 options=data.options.get(account.network) or {})


def network_errors(account: SocialAccount, data: PostInput) -> list[FieldError]:
    """The connector's own rules on this post, as errors naming the field, the network
    and the account."""
    label = f"{account.network_label} ({account.shown_handle})"
    text_field = f"variants.{account.network}" if data.variants.get(account.network) else "text"
    errors = []
    if data.media and account.network_info.media_by_url and (unreachable := reachability_problem()):
        errors.append(FieldError("media", f"{label}: {unreachable}", "media_unreachable"))
    for problem in account.checking_connector.checks(draft_for(account, data)):
        field = text_field if problem.field == "text" else problem.field
        if field.startswith("options."):
            field = f"options.{account.network}.{field.removeprefix('options.')}"
        errors.append(FieldError(field, f"{label}: {problem.message}", "network"))
    return errors
