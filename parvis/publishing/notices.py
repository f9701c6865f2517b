"""Telling people what the engine did: a failure is never silent (invariant 2).

Each person reads the notice in their own language: parvis's own words are `Text`s; the
reason a network gave is its data, passed on as it came."""

from __future__ import annotations

from django.urls import reverse

from parvis.accounts.actions import notify, owners_of
from parvis.core.texts import Text
from parvis.publishing.models import Publication


def publication_to_check(publication: Publication, reason: str | Text) -> None:
    """The author (or the owners) must look: the network could not say whether it is out."""
    post, account = publication.post, publication.account
    workspace = post.workspace
    url = reverse("web:publication", args=[workspace.pk, publication.pk])
    recipients = [post.author] if post.author else owners_of(workspace)
    notify(recipients, workspace, "publication_to_check",
           Text.gettext("Is it on %(account)s? Please check", account=str(account)),
           Text.gettext("parvis may have published “%(text)s” on %(account)s but cannot tell (%(reason)s). "
                        "Look at the account, then say “it is there” or “send it again”.",
                        text=post.text[:80], account=str(account), reason=reason), url)


def publication_failed(publication: Publication, reason: str | Text, account_newly_flagged: bool) -> None:
    post, account = publication.post, publication.account
    workspace = post.workspace
    url = reverse("web:publication", args=[workspace.pk, publication.pk])
    recipients = [post.author] if post.author else owners_of(workspace)
    notify(recipients, workspace, "publication_failed",
           Text.gettext("Publication failed on %(account)s", account=str(account)),
           Text.gettext("“%(text)s” could not be published on %(account)s: %(reason)s",
                        text=post.text[:80], account=str(account), reason=reason), url)
    if account_newly_flagged:
        notify(owners_of(workspace), workspace, "account_reconnect",
               Text.gettext("%(account)s must be reconnected", account=str(account)),
               Text.gettext("%(account)s refused parvis's credentials: %(reason)s Reconnect it so that "
                            "its scheduled posts can be published.", account=str(account), reason=reason),
               reverse("web:accounts", args=[workspace.pk]))
