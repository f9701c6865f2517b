"""LinkedIn's post options: who sees the post."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

PUBLIC = "PUBLIC"
CONNECTIONS = "CONNECTIONS"  # a person's 1st-degree connections; pages have none


class OptionsForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Who sees it"), required=False, initial=PUBLIC,
        choices=[(PUBLIC, _("Anyone")), (CONNECTIONS, _("Connections only (personal profiles)"))],
    )

    def __init__(self, *args: Any, account_kind: str = "", **kwargs: Any) -> None:
        # `account_kind` ("organization" or "person") when the form knows the account.
        super().__init__(*args, **kwargs)
        self.account_kind = account_kind

    def clean_visibility(self) -> str:
        value = self.cleaned_data.get("visibility") or PUBLIC
        if value == CONNECTIONS and self.account_kind == "organization":
            raise forms.ValidationError(_("A page has no connections: its posts are public."),
                                        code="connections_for_page")
        return str(value)
