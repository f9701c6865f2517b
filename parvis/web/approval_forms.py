"""Forms of the approval pages: workspace approval settings, client approvers, comments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from parvis.accounts.models import Membership
from parvis.publishing.approval import MAX_COMMENT
from parvis.publishing.approvers import APPROVER_ROLES
from parvis.publishing.models import ApprovalMode, EditorialSettings


class MemberChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user} ({obj.get_role_display()})"


class ApprovalSettingsForm(forms.ModelForm):
    named = MemberChoice(
        queryset=Membership.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Named approvers"),
        help_text=_("With “all named approvers”, each of them, and every client approver, must approve."))

    class Meta:
        model = EditorialSettings
        fields = ["requires_approval", "approval_mode", "approval_notice_hours"]
        widgets = {"approval_mode": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.instance.workspace.memberships.select_related("user").filter(role__in=APPROVER_ROLES)
        self.fields["named"].queryset = members.order_by("user__email")  # type: ignore[attr-defined]
        self.fields["named"].initial = [m.pk for m in members if m.is_named_approver]
        self.fields["approval_mode"].choices = ApprovalMode.choices  # type: ignore[attr-defined]


class ClientApproverForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    email = forms.EmailField(label=_("Email"))
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", _("The workspace's language")), *settings.LANGUAGES])


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=MAX_COMMENT, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
