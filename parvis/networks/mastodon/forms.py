from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.networks.forms import clean_server_url


class ConnectForm(forms.Form):
    instance = forms.CharField(
        label=_("Instance address"), max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "mastodon.social", "autocomplete": "url"}),
    )
    access_token = forms.CharField(
        label=_("Access token (optional)"), required=False, max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to log in on the instance. Or paste a token created in "
                    "Preferences → Development, with the read and write scopes."),
    )

    def clean_instance(self) -> str:
        return clean_server_url(self.cleaned_data["instance"], "invalid_instance")
