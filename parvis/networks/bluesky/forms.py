from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.networks.forms import clean_server_url


class ConnectForm(forms.Form):
    handle = forms.CharField(
        label=_("Handle"), max_length=253,
        widget=forms.TextInput(attrs={"placeholder": "brand.bsky.social", "autocomplete": "username"}),
    )
    app_password = forms.CharField(
        label=_("App password"), max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Create one in Bluesky: Settings → Privacy and security → App passwords. "
                    "Never use the account's main password."),
    )
    server = forms.CharField(
        label=_("Server (PDS)"), max_length=300, initial="https://bsky.social",
        help_text=_("Keep bsky.social unless the account lives on its own server."),
    )

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip().lstrip("@").lower()
        if "." not in handle and "@" not in handle and not handle.startswith("did:"):
            raise forms.ValidationError(
                _("A Bluesky handle looks like name.bsky.social."), code="invalid_handle"
            )
        return handle

    def clean_server(self) -> str:
        return clean_server_url(self.cleaned_data["server"], "invalid_server")
