"""The guest's RSVP page, `/rsvp/<token>/`: public, no login, the token is the key.

The work is in `parvis.relations.rsvp`; this page shows the event in the brand's time zone
and the guest's language, and names each bad field. A bad, altered or cancelled link is
the same friendly 404 whatever the reason, so the page tells nobody which links exist.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from parvis.relations import mailing, qr, rsvp, tokens
from parvis.relations.events import EventError
from parvis.relations.models import Answer, Decision, Guest

PHOTO_CHOICES = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(label=gettext_lazy("Your answer"), widget=forms.RadioSelect, choices=[
        (Answer.YES, gettext_lazy("Yes, I will come")), (Answer.NO, gettext_lazy("No, I cannot come")),
        (Answer.MAYBE, gettext_lazy("Maybe"))])
    dietary = forms.CharField(label=gettext_lazy("Dietary needs (allergies, vegetarian…)"), required=False,
                              max_length=rsvp.DIETARY_LENGTH)
    photo_consent = forms.ChoiceField(label=gettext_lazy("May we take your photo and share it?"), required=False,
                                      widget=forms.RadioSelect, choices=PHOTO_CHOICES)
    comment = forms.CharField(label=gettext_lazy("A word for the team"), required=False,
                              max_length=rsvp.COMMENT_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, guest: Guest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.companion_names = [f"companion_{number}" for number in range(1, guest.event.plus_ones + 1)]
        for number, name in enumerate(self.companion_names, start=1):
            self.fields[name] = forms.CharField(
                label=gettext_lazy("Companion %(number)d: first and last name") % {"number": number},
                required=False, max_length=rsvp.COMPANION_LENGTH)
        self.order_fields(["answer", *self.companion_names, "dietary", "photo_consent", "comment"])

    def companions(self) -> list[str]:
        # An empty field is a companion not brought, not an error.
        return [name for name in (self.cleaned_data[field].strip() for field in self.companion_names) if name]


def _initial(guest: Guest) -> dict[str, Any]:
    consent = "" if guest.photo_consent is None else ("yes" if guest.photo_consent else "no")
    initial: dict[str, Any] = {"dietary": guest.dietary, "comment": guest.comment, "photo_consent": consent}
    if guest.answer != Answer.PENDING:
        initial["answer"] = guest.answer
    for number, name in enumerate(guest.companions, start=1):
        initial[f"companion_{number}"] = name
    return initial


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: kept out of search engines, caches and other sites' Referer.
    # The page's own <meta name="referrer" content="same-origin"> (portal/base.html) lets the
    # form's POST carry its Origin, which the CSRF check needs ("no-referrer" would send null).
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def _answered(form: RsvpForm, guest: Guest) -> rsvp.Answered | None:
    photo = {"yes": True, "no": False}.get(form.cleaned_data["photo_consent"])
    try:
        return rsvp.answer(guest, form.cleaned_data["answer"], form.companions(), form.cleaned_data["dietary"],
                           photo, form.cleaned_data["comment"], now=timezone.now())
    except EventError as exc:
        field = exc.field if exc.field in form.fields else None
        if exc.field == "companions" and form.companion_names:
            field = form.companion_names[0]
        form.add_error(field, exc.message)
        return None


def _door_qr(guest: Guest) -> SafeString | None:
    """The door code as a QR code, once the guest is coming (a maybe or a waitlisted
    guest has no place to show at the door yet)."""
    if guest.decision != Decision.INVITED or guest.answer != Answer.YES:
        return None
    # segno writes the SVG and escapes its title: nothing of the guest's is in it unescaped.
    return mark_safe(qr.qr_svg(tokens.door_code(guest), _("Your door code")))  # noqa: S308


@never_cache
def rsvp_page(request: HttpRequest, token: str) -> HttpResponse:
    guest = tokens.guest_for_link(token)
    if guest is None:
        return _private(render(request, "parvis/relations/rsvp_invalid.html", status=404))
    with translation.override(mailing.language_of(guest.contact, guest.event)):
        return _private(_page(request, guest, token))


def _page(request: HttpRequest, guest: Guest, token: str) -> HttpResponse:
    now = timezone.now()
    event = guest.event
    form = RsvpForm(guest, request.POST if request.method == "POST" else None, initial=_initial(guest))
    closed = rsvp.closed(event, guest, now)
    if request.method == "POST" and not closed and form.is_valid():
        answered = _answered(form, guest)
        if answered is not None:
            messages.success(request, answered.message)
            return redirect("web:rsvp", token)
    offer = guest.offer_expires_at if guest.offer_expires_at and guest.offer_expires_at > now else None
    return render(request, "parvis/relations/rsvp.html", {
        "guest": guest, "event": event, "form": form, "token": token, "when": mailing.when(event),
        "tz": event.workspace.tz, "closed": closed, "offer": offer,
        "waitlisted": guest.decision == "waitlist" and guest.waitlist_rank is not None and offer is None,
        "door_qr": _door_qr(guest),
    }, status=400 if form.errors else 200)
