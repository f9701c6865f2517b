"""Telling people what the engine did: a failure is never silent (invariant 2)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from parvis.accounts.actions import notify, owners_of
from parvis.publishing.models import Publication


def publication_failed(publication: Publication, reason: str, account_newly_flagged: bool) -> None:
    post, account = publication.post, publication.account
    workspace = post.workspace
    url = reverse("web:publication", args=[workspace.pk, publication.pk])
    recipients = [post.author] if post.author else owners_of(workspace)
    language = (post.author.language if post.author else "") or workspace.language
    with translation.override(language):
        subject = _("Publication failed on %(account)s") % {"account": account}
        message = _("“%(text)s” could not be published on %(account)s: %(reason)s") % {
            "text": post.text[:80], "account": account, "reason": reason}
    notify(recipients, workspace, "publication_failed", subject, message, url)
    if account_newly_flagged:
        with translation.override(workspace.language):
            subject = _("%(account)s must be reconnected") % {"account": account}
            message = _("%(account)s refused parvis's credentials: %(reason)s Reconnect it so that "
                        "its scheduled posts can be published.") % {"account": account, "reason": reason}
        notify(owners_of(workspace), workspace, "account_reconnect", subject, message,
               reverse("web:accounts", args=[workspace.pk]))
