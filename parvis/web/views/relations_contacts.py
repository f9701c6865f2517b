"""Relations: the contacts of the agency (bloggers, influencers, journalists,
ambassadors), reached from any of its clients' workspaces — the list with its search and
filters, one contact with their timeline for the brands the reader sees, the form, the
lists, imports and exports, and the personal-data duties (notice, review, export,
erasure). Members read; editors and above change; erasure is for managers and owners."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view, workspaces_for
from parvis.networks import registry
from parvis.relations import contact_io, parcels, people
from parvis.relations.cards import ImportRefused
from parvis.relations.models import Contact, ContactKind, ContactList, Tag

PER_PAGE = 50
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _contacts(workspace: Workspace) -> QuerySet[Contact]:
    return Contact.objects.filter(organisation=workspace.organisation_id)


def _search(contacts: QuerySet[Contact], query: str) -> QuerySet[Contact]:
    for word in query.split()[:5]:
        contacts = contacts.filter(Q(name__icontains=word) | Q(outlet__icontains=word) | Q(email__icontains=word)
                                   | Q(city__icontains=word) | Q(handles__handle__icontains=word))
    return contacts.distinct() if query.strip() else contacts


@membership_view(Role.VIEWER)
def contacts(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    found = _contacts(workspace)
    query = request.GET.get("q", "")[:100]
    kind, tag, group = request.GET.get("kind", ""), request.GET.get("tag", ""), request.GET.get("list", "")
    found = _search(found, query)
    if kind in ContactKind.values:
        found = found.filter(kind=kind)
    if tag.isdigit():
        found = found.filter(tags=int(tag))
    if group.isdigit():
        found = found.filter(lists=int(group))
    page = Paginator(found.prefetch_related("handles", "tags").order_by("name", "id"), PER_PAGE).get_page(
        request.GET.get("page"))
    context = {
        "workspace": workspace, "page": page, "query": query, "kind": kind, "tag": tag, "list": group,
        "kinds": ContactKind.choices, "tags": Tag.objects.filter(organisation=workspace.organisation_id),
        "lists": ContactList.objects.filter(organisation=workspace.organisation_id),
        "to_review": people.review_due(workspace.organisation, timezone.now()).count(),
        "total": _contacts(workspace).count(),
        "can_edit": membership.at_least(Role.EDITOR),
    }
    return render(request, "parvis/relations/contacts.html", context)


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False,
                           help_text=gettext_lazy("Left empty: the given and family names."))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ContactKind.choices)
    given_name = forms.CharField(label=gettext_lazy("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=gettext_lazy("Family name"), max_length=100, required=False)
    outlet = forms.CharField(label=gettext_lazy("Outlet (blog, magazine, channel)"), max_length=200, required=False)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    email = forms.CharField(label=gettext_lazy("Email"), max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)
    website = forms.CharField(label=gettext_lazy("Website"), max_length=500, required=False)
    handles = forms.CharField(label=gettext_lazy("Accounts"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=gettext_lazy("One per line: the network, a space, the handle or the "
                                                     "profile's address, and optionally the followers, e.g. "
                                                     "“%(example)s”."))
    audience = forms.CharField(label=gettext_lazy("Audience of the blog or outlet"), max_length=20, required=False)
    audience_read_on = forms.DateField(label=gettext_lazy("Audience read on"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    topics = forms.CharField(label=gettext_lazy("Topics"), max_length=1000, required=False,
                             help_text=gettext_lazy("Separated by commas."))
    tags = forms.CharField(label=gettext_lazy("Tags"), max_length=1000, required=False,
                           help_text=gettext_lazy("Separated by commas."))
    lists = forms.MultipleChoiceField(label=gettext_lazy("Lists"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    language = forms.CharField(label=gettext_lazy("Language"), max_length=8, required=False,
                               help_text=gettext_lazy("A code such as fr or en: the invitations' language."))
    street = forms.CharField(label=gettext_lazy("Street"), max_length=300, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=gettext_lazy("City"), max_length=120, required=False)
    country = forms.CharField(label=gettext_lazy("Country"), max_length=120, required=False)
    source = forms.CharField(label=gettext_lazy("Where the details come from"), max_length=200, required=False,
                             help_text=gettext_lazy("Told to the person in the privacy notice, e.g. “on her blog”."))
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lists"].choices = [  # type: ignore[attr-defined]
            (str(one.pk), one.name) for one in ContactList.objects.filter(organisation=workspace.organisation_id)]
        example = f"{next(iter(registry.NETWORKS.values())).label} @name@server 1200" if registry.NETWORKS else ""
        self.fields["handles"].help_text = str(self.fields["handles"].help_text) % {"example": example}

    @classmethod
    def of(cls, contact: Contact, workspace: Workspace) -> ContactForm:
        initial = {name: getattr(contact, name) for name in cls.base_fields
                   if name not in ("handles", "topics", "tags", "lists")}
        initial["handles"] = "\n".join(
            " ".join(str(part) for part in (registry.get(h.network).label if h.network in registry.NETWORKS
                                              else h.network, h.handle, h.followers) if part not in (None, ""))
            for h in contact.handles.all())
        initial["topics"] = ", ".join(contact.topics)
        initial["tags"] = ", ".join(t.name for t in contact.tags.all())
        initial["lists"] = [str(pk) for pk in contact.lists.values_list("pk", flat=True)]
        return cls(initial=initial, workspace=workspace)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["handles"] = _typed_handles(data.get("handles") or "")
        return data


def _typed_handles(text: str) -> list[dict[str, str]]:
    """“Mastodon @lea@piaille.fr 1200” lines: the network by its label or key."""
    labels = {info.label.casefold(): key for key, info in registry.NETWORKS.items()}
    out = []
    for line in text.splitlines()[:people.MAX_HANDLES + 1]:
        parts = line.split()
        if not parts:
            continue
        network = labels.get(parts[0].casefold(), parts[0].casefold())
        followers = parts[2] if len(parts) > 2 else ""
        out.append({"network": network, "handle": parts[1] if len(parts) > 1 else "", "followers": followers})
    return out


def _save_form(request: AuthedRequest, workspace: Workspace, form: ContactForm,
               contact: Contact | None) -> Contact | None:
    if not form.is_valid():
        return None
    try:
        return people.save(workspace.organisation, form.values(), by=request.user, contact=contact)
    except people.ContactError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return None


@membership_view(Role.EDITOR)
def contact_new(request: AuthedRequest, membership: Membership) -> HttpResponseBase:
    workspace = membership.workspace
    form = ContactForm(request.POST or None, workspace=workspace)
    if request.method == "POST" and (saved := _save_form(request, workspace, form, None)):
        messages.success(request, _("“%(name)s” added.") % {"name": saved.name})
        return redirect("web:contact", workspace.pk, saved.pk)
    return render(request, "parvis/relations/contact_form.html", {"workspace": workspace, "form": form},
                  status=400 if form.errors else 200)


@membership_view(Role.EDITOR)
def contact_edit(request: AuthedRequest, membership: Membership, contact_id: int) -> HttpResponseBase:
    workspace = membership.workspace
    contact = get_object_or_404(_contacts(workspace), pk=contact_id)
    form = ContactForm(request.POST, workspace=workspace) if request.method == "POST" else ContactForm.of(
        contact, workspace)
    if request.method == "POST" and _save_form(request, workspace, form, contact):
        messages.success(request, _("“%(name)s” saved.") % {"name": contact.name})
        return redirect("web:contact", workspace.pk, contact.pk)
    return render(request, "parvis/relations/contact_form.html",
                  {"workspace": workspace, "form": form, "contact": contact}, status=400 if form.errors else 200)


@membership_view(Role.VIEWER)
def contact(request: AuthedRequest, membership: Membership, contact_id: int) -> HttpResponse:
    workspace = membership.workspace
    person = get_object_or_404(_contacts(workspace).prefetch_related("handles", "tags", "lists"), pk=contact_id)
    seen = workspaces_for(request.user).filter(organisation=workspace.organisation_id)
    chosen = people.settings_for(workspace.organisation)
    context = {
        "workspace": workspace, "contact": person, "timeline": people.timeline(person, list(seen)),
        "parcels": parcels.parcels_of(person, seen),
        "handles": [(h, registry.get(h.network).label if h.network in registry.NETWORKS else h.network)
                    for h in person.handles.all()],
        "review_on": people.review_date(person, chosen), "retention_years": chosen.retention_years,
        "can_edit": membership.at_least(Role.EDITOR), "can_erase": membership.at_least(Role.MANAGER),
    }
    return render(request, "parvis/relations/contact.html", context)


@require_POST
@workspace_view(Role.EDITOR)
def contact_notice(request: AuthedRequest, workspace: Workspace, contact_id: int) -> HttpResponseBase:
    person = get_object_or_404(_contacts(workspace), pk=contact_id)
    try:
        people.send_notice(person, by=request.user)
    except people.ContactError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The privacy notice went to %(email)s.") % {"email": person.email})
    return redirect("web:contact", workspace.pk, person.pk)


@require_POST
@workspace_view(Role.EDITOR)
def contact_keep(request: AuthedRequest, workspace: Workspace, contact_id: int) -> HttpResponseBase:
    person = get_object_or_404(_contacts(workspace), pk=contact_id)
    try:
        people.keep(person, request.POST.get("kept_until", ""), request.POST.get("kept_reason", ""))
    except people.ContactError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("“%(name)s” is kept until %(date)s.")
                         % {"name": person.name, "date": person.kept_until})
    return redirect(request.POST.get("back") == "review" and reverse("web:contacts_review", args=[workspace.pk])
                    or reverse("web:contact", args=[workspace.pk, person.pk]))


@require_POST
@workspace_view(Role.MANAGER)
def contact_erase(request: AuthedRequest, workspace: Workspace, contact_id: int) -> HttpResponseBase:
    person = get_object_or_404(_contacts(workspace), pk=contact_id)
    if request.POST.get("confirm", "").strip().casefold() != person.name.strip().casefold():
        messages.error(request, _("Type the contact's name to confirm the erasure."))
        return redirect("web:contact", workspace.pk, person.pk)
    people.erase(person)
    messages.success(request, _("Erased everywhere: the contact, their accounts, invitations, parcels, gifts, "
                                "contest entries and what they wrote to the brands."))
    return redirect("web:contacts", workspace.pk)


@workspace_view(Role.VIEWER)
def contact_data(request: AuthedRequest, workspace: Workspace, contact_id: int) -> HttpResponse:
    """Everything about one person as JSON, to answer their access request."""
    person = get_object_or_404(_contacts(workspace), pk=contact_id)
    body = json.dumps(people.personal_export(person), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{person.pk}.json"'
    return response


@membership_view(Role.VIEWER)
def contacts_review(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    chosen = people.settings_for(workspace.organisation)
    page = Paginator(people.review_due(workspace.organisation, timezone.now()), PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "parvis/relations/review.html", {
        "workspace": workspace, "page": page, "retention_years": chosen.retention_years,
        "can_edit": membership.at_least(Role.EDITOR), "can_erase": membership.at_least(Role.MANAGER)})


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Contacts file"),
                           help_text=gettext_lazy("A vCard (.vcf, from Apple Contacts, Google Contacts or Outlook) "
                                                  "or a CSV exported by Google Contacts, Outlook or parvis."))
    into = forms.TypedChoiceField(label=gettext_lazy("Add them to the list"), coerce=int, required=False,
                                  empty_value=None)
    source = forms.CharField(label=gettext_lazy("Where the details come from"), max_length=200, required=False)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (one.pk, one.name) for one in ContactList.objects.filter(organisation=workspace.organisation_id)]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


@membership_view(Role.EDITOR)
def contacts_import(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = ImportForm(request.POST or None, request.FILES or None, workspace=workspace)
    summary = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        into = ContactList.objects.filter(organisation=workspace.organisation_id, pk=form.cleaned_data["into"]).first()
        try:
            read = contact_io.read(upload.read(), upload.name or "")
        except ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            summary = contact_io.import_cards(workspace.organisation, read, by=request.user, into=into,
                                              source=form.cleaned_data["source"] or upload.name or "")
            messages.success(request, ngettext("%(n)d contact added", "%(n)d contacts added", summary.created)
                             % {"n": summary.created})
    return render(request, "parvis/relations/import.html", {"workspace": workspace, "form": form, "summary": summary},
                  status=400 if form.errors else 200)


@workspace_view(Role.VIEWER)
def contacts_export(request: AuthedRequest, workspace: Workspace, fmt: str) -> HttpResponse:
    found = _contacts(workspace).prefetch_related("handles", "tags")
    group = request.GET.get("list", "")
    if group.isdigit():
        found = found.filter(lists=int(group))
    content, kind, filename = contact_io.export(found, "vcf" if fmt == "vcf" else "csv")
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ListForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300, required=False)


@membership_view(Role.VIEWER, min_role_post=Role.EDITOR)
def contact_lists(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = ListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = people.clean(form.cleaned_data["name"], 120)
        if not name:
            form.add_error("name", _("Give the list a name."))
        elif ContactList.objects.filter(organisation=workspace.organisation_id, name__iexact=name).exists():
            form.add_error("name", _("A list with this name exists already."))
        else:
            ContactList.objects.create(organisation=workspace.organisation, name=name,
                                       description=people.clean(form.cleaned_data["description"], 300))
            messages.success(request, _("List “%(name)s” created.") % {"name": name})
            return redirect("web:contact_lists", workspace.pk)
    found = ContactList.objects.filter(organisation=workspace.organisation_id).annotate(size=Count("contacts"))
    return render(request, "parvis/relations/lists.html", {
        "workspace": workspace, "form": form, "lists": found, "can_edit": membership.at_least(Role.EDITOR)},
        status=400 if form.errors else 200)


@require_POST
@workspace_view(Role.EDITOR)
def contact_list_delete(request: AuthedRequest, workspace: Workspace, list_id: int) -> HttpResponseBase:
    group = get_object_or_404(ContactList, pk=list_id, organisation=workspace.organisation_id)
    group.delete()
    messages.success(request, _("List “%(name)s” deleted; its contacts stay.") % {"name": group.name})
    return redirect("web:contact_lists", workspace.pk)
