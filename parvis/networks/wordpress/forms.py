from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.networks.forms import clean_server_url


class ConnectForm(forms.Form):
    site = forms.CharField(
        label=_("Site address"), max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "blog.example.com", "autocomplete": "url"}),
    )
    username = forms.CharField(
        label=_("Username"), max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        help_text=_("The WordPress user parvis publishes as (an Author, Editor or Administrator)."),
    )
    app_password = forms.CharField(
        label=_("Application password"), max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Create one in wp-admin: Users → Profile → Application Passwords (give it a name such "
                    "as “parvis”). Never use the user's login password."),
    )

    def clean_site(self) -> str:
        return clean_server_url(self.cleaned_data["site"], "invalid_site")

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip()

    def clean_app_password(self) -> str:
        # WordPress shows it in groups of four and ignores the spaces.
        return "".join(str(self.cleaned_data["app_password"]).split())
