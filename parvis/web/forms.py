from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import Role, User, Workspace
from parvis.core.timezones import known_timezones


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(known_timezones())
            if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/"))]


class TimezoneField(forms.ChoiceField):
    default_error_messages = {
        "invalid_choice": _("“%(value)s” is not a known time zone (for example Europe/Paris)."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=timezone_choices, **kwargs)


class WorkspaceForm(forms.ModelForm):
    timezone = TimezoneField(label=_("Time zone"))

    class Meta:
        model = Workspace
        fields = ["name", "timezone", "language"]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EDITOR)


class SignupForm(forms.Form):
    first_name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password, User(email=self.email))
        return password


class UserSettingsForm(forms.ModelForm):
    timezone = TimezoneField(label=_("Time zone"))
    language = forms.ChoiceField(
        label=_("Language"), required=False,
        choices=[("", _("Same as the browser"))] + list(settings.LANGUAGES),
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "language", "timezone"]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


class PauseForm(forms.Form):
    """Crisis pause: the reason is shown to everyone in the workspace and kept in the audit log."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Shown to everyone in this workspace until publishing resumes."),
                             error_messages={"required": _("Reason: say why publishing is paused.")})
    confirm = forms.BooleanField(label=_("Stop every scheduled publication of this workspace now"),
                                 error_messages={"required": _("Tick this box to confirm the pause.")})
