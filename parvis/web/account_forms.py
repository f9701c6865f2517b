"""Forms of the account page: a new email, confirmed with the current password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import User


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("New email"), max_length=254)
    password = forms.CharField(label=_("Your current password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["email"].initial = user.email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your current password."), code="password_incorrect")
        return password
