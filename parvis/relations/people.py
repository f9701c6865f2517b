"""Contacts as people and personal data: saving one (checked field by field), their
handles linked to the inbox's authors, their timeline, and what the GDPR asks — the
notice at first contact, the retention clock with its review list, the export of
everything about one person, and erasure everywhere.

The retention clock follows the CNIL's reference for prospect files: three years after
the last contact (`RelationsSettings.retention_years`). A contact is touched by every
email parvis sends them and by every answer they give (an RSVP)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.accounts.models import Organisation, User, Workspace
from parvis.networks import registry

from .cards import block, line
from .models import Contact, ContactKind, ContactList, Entry, Handle, Message, RelationsSettings, Tag

MAX_HANDLES = 20
MAX_TOPICS = 20
MAX_TAGS = 30
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,4})?")
MULTILINE = {"notes", "street"}  # kept with their line breaks


class ContactError(ValueError):
    """A contact that cannot be saved; `field` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def settings_for(organisation: Organisation) -> RelationsSettings:
    found, _created = RelationsSettings.objects.get_or_create(organisation=organisation)
    return found


# -- saving a contact -----------------------------------------------------------------------------

TEXT_FIELDS = {  # field: the longest text kept
    "name": 200, "given_name": 100, "family_name": 100, "outlet": 200, "title": 200, "phone": 40,
    "website": 500, "street": 300, "postal_code": 20, "city": 120, "region": 120, "country": 120,
    "language": 8, "notes": 20_000, "source": 200,
}


def clean(value: Any, limit: int) -> str:
    """Untrusted text on one line, cleaned as imported cards are (`cards.line`)."""
    return line(str(value or ""), limit)


def check(values: dict[str, Any]) -> dict[str, Any]:
    """The contact's fields as they will be saved; ContactError naming the first wrong one."""
    out: dict[str, Any] = {}
    for name, limit in TEXT_FIELDS.items():
        if name in values:
            raw = str(values[name] or "")
            if len(raw) > limit:
                raise ContactError(name, _("At most %(count)d characters.") % {"count": limit})
            out[name] = block(raw, limit) if name in MULTILINE else clean(raw, limit)
    if "name" in values and not out["name"]:
        out["name"] = " ".join(part for part in (out.get("given_name", ""), out.get("family_name", "")) if part)
    if "name" in values and not out["name"]:
        raise ContactError("name", _("Give the contact a name."))
    if "kind" in values:
        if values["kind"] not in ContactKind.values:
            raise ContactError("kind", _("Choose one of: %(choices)s.") % {"choices": ", ".join(ContactKind.values)})
        out["kind"] = values["kind"]
    if "email" in values:
        out["email"] = _checked_email(values["email"], "email")
    if "other_emails" in values:
        others = _as_list(values["other_emails"], 10, "other_emails")
        out["other_emails"] = [_checked_email(one, "other_emails") for one in others]
    if "topics" in values:
        out["topics"] = [clean(topic, 60) for topic in _as_list(values["topics"], MAX_TOPICS) if clean(topic, 60)]
    if "audience" in values:
        out["audience"] = _checked_count(values["audience"], "audience")
    if "audience_read_on" in values:
        out["audience_read_on"] = _checked_date(values["audience_read_on"], "audience_read_on")
    if "language" in out and out["language"] and not LANGUAGE.fullmatch(out["language"]):
        raise ContactError("language", _("A language code such as fr or en."))
    return out


def _as_list(value: Any, most: int, field: str = "topics") -> list[Any]:
    if value in (None, ""):
        return []
    items = re.split(r"[,\n]", value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ContactError(field, _("A list is expected."))
    return list(items)[:most]


def _checked_email(value: Any, field: str) -> str:
    email = clean(value, 254).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ContactError(field, _("“%(value)s” is not an email address.") % {"value": email}) from None
    return email


def _checked_count(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).replace(" ", "").replace("\u202f", "").replace("\xa0", ""))
    except ValueError:
        raise ContactError(field, _("A whole number is expected.")) from None
    if not 0 <= number <= 2_000_000_000:
        raise ContactError(field, _("A number between 0 and 2,000,000,000 is expected."))
    return number


def _checked_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        found = value
    else:
        try:
            found = date.fromisoformat(str(value))
        except ValueError:
            raise ContactError(field, _("A date as YYYY-MM-DD is expected.")) from None
    if not 1900 <= found.year <= 2999:
        raise ContactError(field, _("A date between 1900 and 2999 is expected."))
    return found


@transaction.atomic
def save(organisation: Organisation, values: dict[str, Any], *, by: User | None = None,
         contact: Contact | None = None) -> Contact:
    """Create or change a contact: fields, then handles, tags and lists when given."""
    fields = check(values)
    if contact is None:
        if "name" not in fields:
            raise ContactError("name", _("Give the contact a name."))
        contact = Contact(organisation=organisation, created_by=by)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.save()
    if "handles" in values:
        set_handles(contact, values["handles"])
    if "tags" in values:
        set_tags(contact, _as_list(values["tags"], MAX_TAGS, "tags"))
    if "lists" in values:
        contact.lists.set(_lists_of(organisation, values["lists"]))
    return contact


def _lists_of(organisation: Organisation, ids: Any) -> list[ContactList]:
    wanted = {int(one) for one in _as_list(ids, 200, "lists") if str(one).strip().isdigit()}
    found = list(ContactList.objects.filter(organisation=organisation, pk__in=wanted))
    if len(found) != len(wanted):
        raise ContactError("lists", _("One of these lists does not exist."))
    return found


def set_tags(contact: Contact, names: list[Any]) -> None:
    cleaned = sorted({clean(name, 60) for name in names} - {""})
    tags = [Tag.objects.get_or_create(organisation_id=contact.organisation_id, name=name)[0] for name in cleaned]
    contact.tags.set(tags)


def normalised_handle(network: str, typed: str) -> str:
    """The handle as parvis keeps it for that network (through its profile reader when it
    has one, which also reads a profile's address); ContactError when it is not one."""
    if network not in registry.NETWORKS:
        raise ContactError("handles", _("Unknown network: %(network)s.") % {"network": clean(network, 40)})
    typed = clean(typed, 300)
    if not typed:
        raise ContactError("handles", _("Give the account's handle."))
    if registry.NETWORKS[network].profile_reader:
        found = registry.profile_reader(network).normalise(typed)
        if not found:
            raise ContactError("handles", _("“%(handle)s” is not an account on %(network)s.")
                               % {"handle": typed, "network": registry.get(network).label})
        return str(found)
    return typed if typed.startswith("@") or "://" in typed else f"@{typed}"


def set_handles(contact: Contact, handles: Any) -> None:
    """Replace the contact's handles by (network, handle[, followers]) items; the audience
    figures keep the date they were read on."""
    if not isinstance(handles, list | tuple) or len(handles) > MAX_HANDLES:
        raise ContactError("handles", _("At most %(count)d accounts.") % {"count": MAX_HANDLES})
    now = timezone.now()
    kept: list[int] = []
    for raw in handles:
        one = raw if isinstance(raw, dict) else {"network": raw[0], "handle": raw[1]}
        network = str(one.get("network", ""))
        handle = normalised_handle(network, str(one.get("handle", "")))
        row, _created = Handle.objects.get_or_create(contact=contact, network=network, handle=handle)
        if one.get("followers") not in (None, ""):
            row.followers = _checked_count(one["followers"], "handles")
            row.followers_read_at = now
            row.save(update_fields=["followers", "followers_read_at"])
        kept.append(row.pk)
    contact.handles.exclude(pk__in=kept).delete()


# -- the inbox's authors, and the timeline ----------------------------------------------------------

def _author_match(handles: QuerySet[Handle] | list[Handle]) -> Q:
    match = Q(pk__in=[])
    for row in handles:
        bare = row.handle.lstrip("@").lower()
        match |= Q(network=row.network) & (Q(handle__iexact=row.handle) | Q(key__iexact=bare)
                                           | (Q(key=row.key) if row.key else Q(pk__in=[])))
    return match


def authors_of(contact: Contact, workspaces: QuerySet[Workspace] | list[Workspace] | None = None) -> QuerySet[Any]:
    """The inbox authors who are this contact, in the organisation's workspaces."""
    from parvis.inbox.models import Author

    handles = list(contact.handles.all())
    if not handles:
        return Author.objects.none()
    scope = workspaces if workspaces is not None else Workspace.objects.filter(organisation=contact.organisation_id)
    return Author.objects.filter(_author_match(handles), workspace__in=scope)


def contact_for_author(organisation_id: int, network: str, key: str, handle: str) -> Contact | None:
    """The contact an inbox author (or an entrant, a post's author) is, if any."""
    bare = key.lower()
    row = (Handle.objects.filter(contact__organisation_id=organisation_id, network=network)
           .filter(Q(key=key) | Q(handle__iexact=handle) | Q(handle__iexact=f"@{bare}"))
           .select_related("contact").first())
    return row.contact if row else None


@dataclass(frozen=True)
class Moment:
    """One line of a contact's timeline."""

    at: datetime
    kind: str  # message, inbox, invitation, answer, parcel, gift, mention
    workspace: str  # the brand's name ("" for the organisation)
    title: str
    detail: str = ""
    url: str = ""


def timeline(contact: Contact, workspaces: QuerySet[Workspace] | list[Workspace], limit: int = 200) -> list[Moment]:
    """What happened with this person, newest first, for the brands the reader sees."""
    names = {ws.pk: ws.name for ws in workspaces}
    moments: list[Moment] = []
    for message in contact.messages.filter(Q(workspace__in=names) | Q(workspace__isnull=True))[:limit]:
        moments.append(Moment(message.sent_at, "message", names.get(message.workspace_id or 0, ""),
                              message.get_kind_display(), message.subject))
    moments += _inbox_moments(contact, workspaces, names, limit)
    moments += _guest_moments(contact, names, limit)
    for parcel in contact.parcels.filter(workspace__in=names)[:limit]:
        moments.append(Moment(parcel.created_at, "parcel", names[parcel.workspace_id],
                              _("Parcel: %(contents)s") % {"contents": parcel.contents}, parcel.get_status_display()))
    for gift in contact.gifts.filter(workspace__in=names)[:limit]:
        at = timezone.make_aware(datetime.combine(gift.given_on, datetime.min.time()))
        moments.append(Moment(at, "gift", names[gift.workspace_id], gift.get_kind_display(),
                              f"{gift.description} — {gift.value} EUR"))
    for mention in contact.mentions.filter(workspace__in=names)[:limit]:
        moments.append(Moment(mention.published_at, "mention", names[mention.workspace_id],
                              _("Posted about the brand"), mention.text[:280], mention.url))
    moments.sort(key=lambda moment: moment.at, reverse=True)
    return moments[:limit]


def _inbox_moments(contact: Contact, workspaces: Any, names: dict[int, str], limit: int) -> list[Moment]:
    from parvis.inbox.models import Item

    authors = authors_of(contact, workspaces)
    items = Item.objects.filter(author__in=authors).only("created_at", "workspace_id", "text", "url", "kind")
    return [Moment(item.created_at, "inbox", names.get(item.workspace_id, ""), item.get_kind_display(),
                   item.text[:280], item.url) for item in items.order_by("-created_at")[:limit]]


def _guest_moments(contact: Contact, names: dict[int, str], limit: int) -> list[Moment]:
    moments = []
    guests = contact.guest_entries.filter(event__workspace__in=names).select_related("event")[:limit]
    for guest in guests:
        brand = names[guest.event.workspace_id]
        for log in guest.decisions.all():
            detail = log.get_reason_display() if log.reason else ""
            moments.append(Moment(log.decided_at, "invitation", brand,
                                  f"{guest.event.name}: {log.get_decision_display()}", detail))
        if guest.answered_at:
            moments.append(Moment(guest.answered_at, "answer", brand,
                                  f"{guest.event.name}: {guest.get_answer_display()}", guest.comment))
        if guest.checked_in_at:
            moments.append(Moment(guest.checked_in_at, "answer", brand,
                                  _("%(event)s: came") % {"event": guest.event.name}))
    return moments


# -- personal data -----------------------------------------------------------------------------------

DEFAULT_NOTICE = {
    "fr": (
        "Vos coordonnées chez {organisation}",
        "Bonjour {name},\n\n"
        "{organisation} accompagne des marques dans leur communication. Nous avons noté vos coordonnées "
        "professionnelles ({data}), trouvées {source}, pour vous inviter à des événements, vous envoyer des "
        "produits ou des informations sur les marques que nous accompagnons, et suivre nos échanges. "
        "Ce traitement repose sur notre intérêt légitime à entretenir des relations avec la presse et les "
        "créateurs de contenu.\n\n"
        "Ces données sont réservées à notre équipe et aux marques concernées ; nous les gardons {years} ans "
        "après notre dernier échange, puis les effaçons.\n\n"
        "Vous pouvez y accéder, les faire corriger ou effacer, ou vous opposer à ce traitement à tout moment "
        "en répondant à ce message. Vous pouvez aussi adresser une réclamation à la CNIL (www.cnil.fr).\n\n"
        "Bien cordialement,\n{sender}",
    ),
    "en": (
        "Your details at {organisation}",
        "Hello {name},\n\n"
        "{organisation} runs the communication of several brands. We have noted your professional details "
        "({data}), found {source}, to invite you to events, send you products or news about the brands we work "
        "with, and keep track of our exchanges. We do so on the basis of our legitimate interest in working "
        "with the press and content creators.\n\n"
        "Only our team and the brands concerned see them; we keep them for {years} years after our last "
        "exchange, then erase them.\n\n"
        "You may see them, have them corrected or erased, or object at any time by replying to this message. "
        "You may also complain to your data protection authority (in France, the CNIL: www.cnil.fr).\n\n"
        "Kind regards,\n{sender}",
    ),
}
NOTICE_VARIABLES = ("name", "organisation", "data", "source", "years", "sender")


def _data_listed(contact: Contact, language: str) -> str:
    with translation.override(language):
        held = [str(label) for label, present in (
            (gettext_lazy("name"), True), (gettext_lazy("email"), contact.email),
            (gettext_lazy("phone"), contact.phone), (gettext_lazy("postal address"), contact.street),
            (gettext_lazy("social network accounts"), contact.handles.exists()),
        ) if present]
    return ", ".join(held)


def notice_for(contact: Contact, sender: User | None = None) -> tuple[str, str]:
    """The notice's subject and text for this contact, from the organisation's template
    (or parvis's own, in the contact's language)."""
    chosen = settings_for(contact.organisation)
    language = contact.language[:2] if contact.language[:2] in DEFAULT_NOTICE else "fr"
    subject, body = DEFAULT_NOTICE[language]
    subject, body = chosen.notice_subject or subject, chosen.notice_body or body
    values = {
        "name": contact.given_name or contact.name, "organisation": contact.organisation.name,
        "data": _data_listed(contact, language), "years": str(chosen.retention_years),
        "source": contact.source or ("sur vos pages publiques" if language == "fr" else "on your public pages"),
        "sender": (sender.get_full_name() or sender.email) if sender else contact.organisation.name,
    }
    return fill(subject, values), fill(body, values)


def fill(template: str, values: dict[str, str]) -> str:
    """{name}-style variables; anything else in braces stays as it was written."""
    return re.sub(r"\{(\w+)\}", lambda found: values.get(found.group(1), found.group(0)), template)


def check_notice_template(subject: str, body: str) -> None:
    for field, text in (("notice_subject", subject), ("notice_body", body)):
        unknown = sorted(set(re.findall(r"\{(\w+)\}", text)) - set(NOTICE_VARIABLES))
        if unknown:
            raise ContactError(field, _("Unknown variable {%(name)s}. Use: %(known)s.")
                               % {"name": unknown[0], "known": ", ".join(f"{{{v}}}" for v in NOTICE_VARIABLES)})


def touch(contact: Contact, at: datetime | None = None) -> None:
    """A contact happened: the retention clock starts again."""
    at = at or timezone.now()
    Contact.objects.filter(pk=contact.pk).filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=at)).update(
        last_contact_at=at)
    contact.last_contact_at = max(filter(None, (contact.last_contact_at, at)))


def send_notice(contact: Contact, *, by: User | None = None, now: datetime | None = None) -> Message:
    """Email the notice (the GDPR asks it within a month of collecting someone's data
    elsewhere than from them, and at the latest at the first contact)."""
    if not contact.email:
        raise ContactError("email", _("This contact has no email address to send the notice to."))
    now = now or timezone.now()
    subject, body = notice_for(contact, by)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [contact.email],
                 reply_to=[by.email] if by else None).send()
    message = Message.objects.create(contact=contact, kind=Message.Kind.NOTICE, subject=subject, body=body,
                                     sent_at=now, sent_by=by)
    Contact.objects.filter(pk=contact.pk).update(notice_sent_at=now)
    contact.notice_sent_at = now
    touch(contact, now)
    return message


def review_due(organisation: Organisation, now: datetime) -> QuerySet[Contact]:
    """Contacts past their retention period: no contact for `retention_years` (counted
    from their creation when never contacted), and not kept on purpose past today."""
    years = settings_for(organisation).retention_years
    limit = now - timedelta(days=round(365.25 * years))
    old = Q(last_contact_at__lt=limit) | Q(last_contact_at__isnull=True, created_at__lt=limit)
    kept = Q(kept_until__gte=now.date())
    # Oldest first by the date the clock started from, the same on every database (NULLs
    # sort first on SQLite and last on PostgreSQL).
    return Contact.objects.filter(organisation=organisation).filter(old).exclude(kept).order_by(
        Coalesce("last_contact_at", "created_at"), "id")


def review_date(contact: Contact, chosen: RelationsSettings) -> date:
    """When the contact comes up for review: the retention period after the last contact
    (or their creation), or the day after they are kept until, whichever is later."""
    start = contact.last_contact_at or contact.created_at
    due = (start + timedelta(days=round(365.25 * chosen.retention_years))).date()
    return max(due, contact.kept_until + timedelta(days=1)) if contact.kept_until else due


def keep(contact: Contact, until: Any, reason: str) -> None:
    """Keep a contact past its review, for a stated reason, until a date (at most the
    retention period again)."""
    found = _checked_date(until, "kept_until")
    today = timezone.now().date()
    most = today + timedelta(days=round(365.25 * settings_for(contact.organisation).retention_years))
    if found is None or not today < found <= most:
        raise ContactError("kept_until", _("A date after today and before %(date)s.") % {"date": most.isoformat()})
    reason = clean(reason, 300)
    if not reason:
        raise ContactError("kept_reason", _("Say why the contact is kept."))
    Contact.objects.filter(pk=contact.pk).update(kept_until=found, kept_reason=reason)
    contact.kept_until, contact.kept_reason = found, reason


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _rows(queryset: QuerySet[Any], *fields: str) -> list[dict[str, Any]]:
    return [{name: _plain(value) for name, value in row.items()} for row in queryset.values(*fields)]


def personal_export(contact: Contact) -> dict[str, Any]:
    """Everything parvis holds about one person (the GDPR's right of access), as JSON."""
    fields = ["kind", "name", "given_name", "family_name", "outlet", "title", "email", "other_emails", "phone",
              "website", "street", "postal_code", "city", "region", "country", "language", "topics", "notes",
              "audience", "audience_read_on", "source", "notice_sent_at", "last_contact_at", "kept_until",
              "kept_reason", "created_at"]
    guests = contact.guest_entries.all()
    return {
        "contact": {name: _plain(getattr(contact, name)) for name in fields},
        "tags": [tag.name for tag in contact.tags.all()],
        "lists": [one.name for one in contact.lists.all()],
        "handles": _rows(contact.handles.all(), "network", "handle", "url", "followers", "followers_read_at"),
        "messages": _rows(contact.messages.all(), "kind", "subject", "body", "sent_at", "workspace__name"),
        "invitations": _rows(guests, "event__name", "event__starts_at", "event__workspace__name", "decision",
                             "reason", "reason_note", "invited_at", "answer", "answered_at", "companions",
                             "dietary", "photo_consent", "comment", "checked_in_at", "arrived"),
        "decisions": _decisions(contact),
        "parcels": _rows(contact.parcels.all(), "workspace__name", "contents", "declared_value", "address",
                         "carrier", "tracking_number", "sent_on", "status", "status_at"),
        "gifts": _rows(contact.gifts.all(), "workspace__name", "kind", "description", "value", "given_on"),
        "posts": _rows(contact.mentions.all(), "workspace__name", "network", "url", "text", "published_at",
                       "disclosure"),
        "contest_entries": _rows(_entries_of(contact), "contest__name", "network", "handle", "ways", "text",
                                 "first_at", "excluded"),
        "inbox": _inbox_export(contact),
    }


def _decisions(contact: Contact) -> list[dict[str, Any]]:
    from .models import DecisionLog

    return _rows(DecisionLog.objects.filter(guest__contact=contact), "guest__event__name", "decision", "reason",
                 "note", "decided_at")


def _inbox_export(contact: Contact) -> list[dict[str, Any]]:
    from parvis.inbox.models import Item

    return _rows(Item.objects.filter(author__in=authors_of(contact)).order_by("created_at"), "workspace__name",
                 "network", "kind", "text", "url", "created_at")


def _entries_of(contact: Contact) -> QuerySet[Entry]:
    handles = list(contact.handles.all())
    if not handles:
        return Entry.objects.none()
    match = Q(pk__in=[])
    for row in handles:
        match |= Q(network=row.network) & (Q(handle__iexact=row.handle) | (Q(stable_id=row.key) if row.key
                                                                            else Q(pk__in=[])))
    return Entry.objects.filter(match, contest__workspace__organisation=contact.organisation_id)


def _notifications_naming(contact: Contact) -> QuerySet[Any]:
    """The team's notifications about this person (a post missing the advertising
    mention, a contest winner who did not answer): they name them, so they go too."""
    from parvis.accounts.models import Notification

    names = [contact.name, *(h.handle for h in contact.handles.all())]
    match = Q(pk__in=[])
    for name in (n for n in names if len(n) >= 3):
        match |= Q(message__icontains=name) | Q(texts__icontains=name)
    return Notification.objects.filter(match, workspace__organisation=contact.organisation_id)


@transaction.atomic
def erase(contact: Contact) -> dict[str, int]:
    """Erase a person everywhere parvis holds them (the GDPR's right to erasure): the
    contact and all that hangs from it (handles, messages, invitations and check-ins,
    parcels and their addresses, gifts, posts found), their contest entries, and what they
    wrote to the brands in the inbox. A drawn contest's published proof keeps the
    entrant's pseudonymous network id only: the proof of a fair draw is kept for legal
    claims, and removing it would make the draw unverifiable. Returns what was removed."""
    from parvis.inbox.models import Author, Item
    from parvis.relations import contests as contests_forget

    authors = list(authors_of(contact).values_list("pk", flat=True))
    removed = {"inbox_items": Item.objects.filter(author__in=authors).delete()[0]}
    removed["inbox_authors"] = Author.objects.filter(pk__in=authors).delete()[0]
    removed["notifications"] = _notifications_naming(contact).delete()[0]
    entries = _entries_of(contact)
    removed["contest_entries"] = entries.exclude(contest__status="drawn").delete()[0]
    # Drawn contests keep the entry row (its pick), with nothing but the pseudonymous id.
    entries.filter(contest__status="drawn").update(**contests_forget.FORGOTTEN)
    removed["contact"] = contact.delete()[0]
    return removed
