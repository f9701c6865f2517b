"""Campaigns and labels of a workspace: created, edited and archived by editors, each
change in the audit log. A campaign's slug is its UTM name (`utm_campaign`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from parvis.accounts.audit import record
from parvis.accounts.models import User, Workspace
from parvis.publishing.models import Campaign, Label
from parvis.publishing.validation import FieldError, PostValidationError

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class CampaignInput:
    name: str
    slug: str = ""  # empty: made from the name
    colour: str = "#5b6ee1"
    starts_on: date | None = None
    ends_on: date | None = None


@dataclass
class LabelInput:
    name: str
    colour: str = "#888888"


def utm_name(raw: str) -> str:
    """What goes into `utm_campaign`: lower-case ASCII words joined by dashes."""
    return slugify(raw)[:120].strip("-")


def _taken(names: Iterable[str], name: str) -> bool:
    """Compared in Python: SQLite ignores case for ASCII letters only ("É" ≠ "é")."""
    wanted = name.strip().casefold()
    return any(other.casefold() == wanted for other in names)


def _check_colour(colour: str, errors: list[FieldError]) -> None:
    if not COLOUR.match(colour):
        errors.append(FieldError("colour", _("Enter a colour like #5b6ee1."), "invalid"))


def check_campaign(workspace: Workspace, data: CampaignInput, campaign: Campaign | None = None
                   ) -> list[FieldError]:
    errors: list[FieldError] = []
    others = Campaign.objects.filter(workspace=workspace)
    if campaign is not None:
        others = others.exclude(pk=campaign.pk)
    if not data.name.strip():
        errors.append(FieldError("name", _("Give the campaign a name."), "required"))
    elif len(data.name.strip()) > 120:
        errors.append(FieldError("name", _("120 characters at most."), "too_long"))
    elif _taken(others.values_list("name", flat=True), data.name):
        errors.append(FieldError("name", _("A campaign with this name already exists in this workspace."),
                                 "duplicate"))
    slug = utm_name(data.slug or data.name)
    if data.name.strip() and not slug:
        errors.append(FieldError("slug", _("The UTM name needs at least one letter or digit."), "invalid"))
    elif slug and others.filter(slug=slug).exists():
        errors.append(FieldError("slug", _("Another campaign already uses the UTM name “%(slug)s”.")
                                 % {"slug": slug}, "duplicate"))
    _check_colour(data.colour, errors)
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors.append(FieldError("ends_on", _("The end date must be on or after the start date."), "invalid"))
    return errors


def _describe(campaign: Campaign) -> str:
    return (f"{campaign.name} (utm_campaign={campaign.slug}, {campaign.colour}, "
            f"{campaign.starts_on or '…'} → {campaign.ends_on or '…'})")


@transaction.atomic
def save_campaign(workspace: Workspace, actor: User, data: CampaignInput,
                  campaign: Campaign | None = None) -> Campaign:
    errors = check_campaign(workspace, data, campaign)
    if errors:
        raise PostValidationError(errors)
    before = _describe(campaign) if campaign else ""
    campaign = campaign or Campaign(workspace=workspace)
    campaign.name, campaign.slug = data.name.strip(), utm_name(data.slug or data.name)
    campaign.colour = data.colour.lower()
    campaign.starts_on, campaign.ends_on = data.starts_on, data.ends_on
    campaign.save()
    record(workspace, "campaign.updated" if before else "campaign.created", actor=actor, target=campaign,
           summary=campaign.name, before=before, after=_describe(campaign))
    return campaign


@transaction.atomic
def set_campaign_archived(campaign: Campaign, actor: User, archived: bool) -> None:
    """Archived campaigns stay on their posts but are no longer offered in the composer."""
    if campaign.archived == archived:
        return
    campaign.archived = archived
    campaign.save(update_fields=["archived"])
    record(campaign.workspace, "campaign.archived" if archived else "campaign.restored", actor=actor,
           target=campaign, summary=campaign.name)


def check_label(workspace: Workspace, data: LabelInput, label: Label | None = None) -> list[FieldError]:
    errors: list[FieldError] = []
    name = data.name.strip()
    if not name:
        errors.append(FieldError("name", _("Give the label a name."), "required"))
    elif len(name) > 60:
        errors.append(FieldError("name", _("60 characters at most."), "too_long"))
    elif _taken(Label.objects.filter(workspace=workspace).exclude(pk=label.pk if label else 0)
                .values_list("name", flat=True), name):
        errors.append(FieldError("name", _("A label with this name already exists in this workspace."),
                                 "duplicate"))
    _check_colour(data.colour, errors)
    return errors


@transaction.atomic
def save_label(workspace: Workspace, actor: User, data: LabelInput, label: Label | None = None) -> Label:
    errors = check_label(workspace, data, label)
    if errors:
        raise PostValidationError(errors)
    before = f"{label.name} ({label.colour})" if label else ""
    label = label or Label(workspace=workspace)
    label.name, label.colour = data.name.strip(), data.colour.lower()
    label.save()
    record(workspace, "label.updated" if before else "label.created", actor=actor, target=label,
           summary=label.name, before=before, after=f"{label.name} ({label.colour})")
    return label


@transaction.atomic
def delete_label(label: Label, actor: User) -> None:
    """Labels are tags: removing one takes it off its posts, nothing else."""
    record(label.workspace, "label.deleted", actor=actor, target=label, summary=label.name,
           before=f"{label.name} ({label.colour})")
    label.delete()


# -- choosing them on a post (composer, API, import) -------------------------------------

def campaign_in(workspace: Workspace, campaign_id: int | None, errors: list[FieldError]) -> Campaign | None:
    """The campaign of this workspace with that id; an id from elsewhere is "unknown"."""
    if campaign_id is None:
        return None
    campaign = Campaign.objects.filter(workspace=workspace, pk=campaign_id).first()
    if campaign is None:
        errors.append(FieldError("campaign", _("This campaign does not exist in this workspace."), "invalid"))
    return campaign


def labels_in(workspace: Workspace, label_ids: list[int], errors: list[FieldError]) -> list[Label]:
    wanted = list(dict.fromkeys(label_ids))
    found = {label.pk: label for label in Label.objects.filter(workspace=workspace, pk__in=wanted)}
    if len(found) != len(wanted):
        errors.append(FieldError("labels", _("One of the chosen labels does not exist in this workspace."),
                                 "invalid"))
    return [found[pk] for pk in wanted if pk in found]
