from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.core.http import UnsafeURLError, check_url, normalise_base_url


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
        try:
            url = normalise_base_url(self.cleaned_data["instance"])
            check_url(url)
        except UnsafeURLError as exc:
            raise forms.ValidationError(str(exc), code="invalid_instance") from exc
        return url
