"""Client reports in the browser: a client's reports (what each holds, when it goes out),
building one now with its progress, the commentary the CM edits before it is sent, the
three files, the agency's look; and the private link a client opens without logging in.
The work is in `parvis.analytics.report` and `parvis.analytics.deliveries`."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from parvis.accounts.models import Membership, OrganisationMember, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view
from parvis.analytics import deliveries, looks, report
from parvis.analytics.dashboard import Period
from parvis.analytics.models import ReportDefinition, ReportFile, ReportLook, ReportRun
from parvis.web.views.analytics import WEEKDAYS

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
Status = ReportRun.Status


def section_choices() -> list[tuple[str, Any]]:
    return [(name, report.SECTION_NAMES[name]) for name in report.SECTIONS]


FORMAT_CHOICES = [("pdf", "PDF"), ("pptx", "PowerPoint (PPTX)"), ("xlsx", "Excel (XLSX)"),
                  ("csv", gettext_lazy("CSV for a French Excel (every table)"))]
LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English")]


def check_image(upload: Any) -> bytes:
    try:
        return looks.read_logo(upload)
    except report.ReportError as exc:
        raise forms.ValidationError(str(exc)) from None


class DefinitionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    every = forms.ChoiceField(label=gettext_lazy("Covers"), choices=[
        ("week", gettext_lazy("the week before (Monday to Sunday)")),
        ("month", gettext_lazy("the month before"))])
    sections = forms.MultipleChoiceField(label=gettext_lazy("Sections"), widget=forms.CheckboxSelectMultiple,
                                         choices=section_choices)
    formats = forms.MultipleChoiceField(label=gettext_lazy("Formats"), widget=forms.CheckboxSelectMultiple,
                                        choices=FORMAT_CHOICES)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=LANGUAGE_CHOICES)
    accent = forms.CharField(label=gettext_lazy("Client's colour"), required=False, max_length=7,
                             widget=forms.TextInput(attrs={"type": "color"}))
    client_logo = forms.FileField(label=gettext_lazy("Client's logo (PNG or JPEG)"), required=False)
    remove_client_logo = forms.BooleanField(label=gettext_lazy("Remove the client's logo"), required=False)
    scheduled = forms.BooleanField(label=gettext_lazy("Send it on a schedule"), required=False)
    weekday = forms.TypedChoiceField(label=gettext_lazy("Day (weekly report)"), coerce=int,
                                     choices=[(n, name) for n, name in enumerate(WEEKDAYS)], initial=0)
    month_day = forms.IntegerField(label=gettext_lazy("Day of the month (monthly report)"), min_value=1,
                                   max_value=28, initial=1)
    send_at = forms.TimeField(label=gettext_lazy("Sent at"), widget=TIME, initial=time(9, 0))
    recipients = forms.CharField(label=gettext_lazy("Sent to (one address a line)"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    delivery = forms.ChoiceField(label=gettext_lazy("How"), choices=[
        ("attached", gettext_lazy("files attached to the email")),
        ("link", gettext_lazy("a private link to download them"))])
    hold = forms.BooleanField(label=gettext_lazy("Hold it for me to read before it is sent"), required=False)

    def clean_client_logo(self) -> bytes | None:
        upload = self.cleaned_data.get("client_logo")
        return check_image(upload) if upload else None


def _recipients(raw: str) -> list[str]:
    return [part.strip() for line in raw.splitlines() for part in line.split(",") if part.strip()]


def _initial(definition: ReportDefinition | None, workspace: Workspace) -> dict[str, Any]:
    if definition is None:
        return {"every": "month", "sections": list(report.SECTIONS), "formats": list(report.FORMATS),
                "language": workspace.language if workspace.language in ("fr", "en") else "fr",
                "send_at": time(9, 0), "weekday": 0, "month_day": 1, "delivery": "attached",
                "accent": "#5B4BDB"}
    return {"name": definition.name, "every": definition.every, "sections": definition.sections,
            "formats": definition.formats, "language": definition.language, "accent": definition.accent,
            "scheduled": definition.scheduled, "weekday": definition.weekday, "month_day": definition.month_day,
            "send_at": definition.send_at, "recipients": "\n".join(definition.recipients),
            "delivery": definition.delivery, "hold": definition.hold}


def _save(form: DefinitionForm, definition: ReportDefinition, person: Any) -> bool:
    data = form.cleaned_data
    for name in ("name", "every", "sections", "formats", "language", "accent", "scheduled", "weekday",
                 "month_day", "send_at", "delivery", "hold"):
        setattr(definition, name, data[name])
    definition.recipients = _recipients(data["recipients"])
    if data["client_logo"]:
        definition.client_logo = data["client_logo"]
    elif data["remove_client_logo"]:
        definition.client_logo = None
    definition.created_by = definition.created_by or person
    try:
        deliveries.save_definition(definition, timezone.now())
    except report.ReportError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return False
    return True


class BuildForm(forms.Form):
    """A report of any period, now: the definition's contents, or every section."""

    definition = forms.TypedChoiceField(label=gettext_lazy("Report"), coerce=int, required=False, empty_value=None)
    start = forms.DateField(label=gettext_lazy("From"), widget=DATE)
    end = forms.DateField(label=gettext_lazy("To"), widget=DATE)

    def __init__(self, *args: Any, definitions: list[ReportDefinition], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["definition"].choices = [("", _("Every section, every format"))] + [  # type: ignore[attr-defined]
            (d.pk, d.name) for d in definitions]


@membership_view(Role.VIEWER, min_role_post=Role.MANAGER)
def reports(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    definitions = list(ReportDefinition.objects.filter(workspace=workspace))
    today = timezone.now().astimezone(workspace.tz).date()
    last_month = report.period_before("month", today)
    form = BuildForm(request.POST or None, definitions=definitions,
                     initial={"start": last_month.start, "end": last_month.end})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        definition = next((d for d in definitions if d.pk == data["definition"]), None)
        try:
            if data["end"] < data["start"]:
                raise report.ReportError(_("The end is before the start."), "end")
            run = deliveries.request(workspace, Period(data["start"], data["end"]), definition=definition,
                                     person=request.user, now=timezone.now())
        except report.ReportError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            from parvis.analytics.tasks import build_report_task

            build_report_task(run.pk)
            return redirect(reverse("web:report_run", args=[workspace.pk, run.pk]))
    runs = ReportRun.objects.filter(workspace=workspace).select_related("definition").prefetch_related("files")
    context = {
        "workspace": workspace, "definitions": [(d, _next_of(d)) for d in definitions], "form": form,
        "runs": runs[:30], "can_manage": membership.at_least(Role.MANAGER),
        "presets": [(_("Last week"), report.period_before("week", today)), (_("Last month"), last_month)],
    }
    return render(request, "parvis/analytics/reports.html", context, status=400 if form.errors else 200)


def _next_of(definition: ReportDefinition) -> ReportRun | None:
    return definition.runs.filter(status=Status.WAITING).first() if definition.scheduled else None


@membership_view(Role.MANAGER)
def report_new(request: AuthedRequest, membership: Membership) -> HttpResponse:
    return _definition_page(request, membership.workspace, None)


@membership_view(Role.VIEWER, min_role_post=Role.MANAGER)
def report_definition(request: AuthedRequest, membership: Membership, definition_id: int) -> HttpResponse:
    definition = get_object_or_404(ReportDefinition, pk=definition_id, workspace=membership.workspace)
    if request.method == "POST" and request.POST.get("action") == "delete":
        definition.delete()
        messages.success(request, _("Report deleted."))
        return redirect(reverse("web:reports", args=[membership.workspace.pk]))
    return _definition_page(request, membership.workspace, definition)


def _definition_page(request: AuthedRequest, workspace: Workspace, definition: ReportDefinition | None
                     ) -> HttpResponse:
    form = DefinitionForm(request.POST or None, request.FILES or None, initial=_initial(definition, workspace))
    if request.method == "POST" and form.is_valid() and _save(
            form, definition or ReportDefinition(workspace=workspace), request.user):
        messages.success(request, _("Report saved."))
        return redirect(reverse("web:reports", args=[workspace.pk]))
    return render(request, "parvis/analytics/report_definition.html", {
        "workspace": workspace, "definition": definition, "form": form,
        "next_run": _next_of(definition) if definition else None}, status=400 if form.errors else 200)


class SendForm(forms.Form):
    recipients = forms.CharField(label=gettext_lazy("Send to (one address a line)"),
                                 widget=forms.Textarea(attrs={"rows": 2}))

    def clean_recipients(self) -> list[str]:
        from django.core.validators import validate_email

        addresses = _recipients(self.cleaned_data["recipients"])
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError:
                raise forms.ValidationError(_("%(address)s is not an email address.") % {"address": address}) \
                    from None
        if not addresses or len(addresses) > deliveries.MOST_RECIPIENTS:
            raise forms.ValidationError(_("Give 1 to %(count)s addresses.") % {"count": deliveries.MOST_RECIPIENTS})
        return addresses


@never_cache
@membership_view(Role.VIEWER, min_role_post=Role.MANAGER)
def report_run(request: AuthedRequest, membership: Membership, run_id: int) -> HttpResponse:
    workspace = membership.workspace
    run = get_object_or_404(ReportRun.objects.select_related("definition"), pk=run_id, workspace=workspace)
    if request.GET.get("progress"):
        response = render(request, "parvis/analytics/_report_progress.html", {"workspace": workspace, "run": run})
        if run.status not in (Status.QUEUED, Status.BUILDING) and request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        return response
    send_form = SendForm(request.POST if request.POST.get("action") == "send" else None, initial={
        "recipients": "\n".join(run.definition.recipients if run.definition else [])})
    if request.method == "POST":
        done = _act(request, workspace, run, send_form)
        if done is not None:
            return done
    sections = [(name, report.SECTION_NAMES[name], run.commentary.get(name, "")) for name in run.sections]
    return render(request, "parvis/analytics/report_run.html", {
        "workspace": workspace, "run": run, "sections": sections, "send_form": send_form,
        "files": list(run.files.all()), "can_manage": membership.at_least(Role.MANAGER),
        "building": run.status in (Status.QUEUED, Status.BUILDING),
        "editable": run.status in (Status.READY, Status.SENT, Status.FAILED),
    }, status=400 if send_form.errors else 200)


def _act(request: AuthedRequest, workspace: Workspace, run: ReportRun, send_form: SendForm) -> HttpResponse | None:
    from parvis.analytics.tasks import build_report_task

    action = request.POST.get("action")
    here = reverse("web:report_run", args=[workspace.pk, run.pk])
    if action == "save":
        words = {name: request.POST.get(f"commentary_{name}", "") for name in run.sections}
        if deliveries.redraw(run, words, timezone.now()):
            build_report_task(run.pk)
            messages.success(request, _("Commentary saved: the files are being drawn again."))
        else:
            messages.error(request, _("The report is being built: try again in a moment."))
        return redirect(here)
    if action == "rebuild" and deliveries.redraw(run, {}, timezone.now()):
        build_report_task(run.pk)
        return redirect(here)
    if action == "send" and send_form.is_valid():
        if deliveries.send(run.pk, timezone.now(), send_form.cleaned_data["recipients"]):
            messages.success(request, _("Report sent."))
        else:
            messages.error(request, _("Only a built report not sent yet can be sent."))
        return redirect(here)
    if action == "delete" and run.status not in (Status.BUILDING,):
        run.delete()
        messages.success(request, _("Report deleted."))
        return redirect(reverse("web:reports", args=[workspace.pk]))
    return None


def _download(run: ReportRun, format_: str) -> HttpResponse:
    found = ReportFile.objects.filter(run=run, format=format_).first()
    if found is None:
        raise Http404
    response = HttpResponse(bytes(found.data), content_type=report.MEDIA_TYPES[format_])
    filename = f"{run.workspace.name} {run.start:%Y-%m-%d} {run.end:%Y-%m-%d}.{format_}"
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@workspace_view()
def report_file(request: AuthedRequest, workspace: Workspace, run_id: int, format_: str) -> HttpResponse:
    run = get_object_or_404(ReportRun.objects.select_related("workspace"), pk=run_id, workspace=workspace)
    if format_ not in report.ALL_FORMATS:
        raise Http404
    return _download(run, format_)


# -- the agency's look ------------------------------------------------------------------------------

class LookForm(forms.Form):
    accent = forms.CharField(label=gettext_lazy("Agency colour"), max_length=7,
                             widget=forms.TextInput(attrs={"type": "color"}))
    logo = forms.FileField(label=gettext_lazy("Agency logo (PNG or JPEG)"), required=False)
    remove_logo = forms.BooleanField(label=gettext_lazy("Remove the logo"), required=False)
    template = forms.FileField(label=gettext_lazy("PowerPoint template (.pptx)"), required=False)
    remove_template = forms.BooleanField(label=gettext_lazy("Remove the template"), required=False)

    def clean_logo(self) -> bytes | None:
        upload = self.cleaned_data.get("logo")
        return check_image(upload) if upload else None

    def clean_template(self) -> tuple[str, bytes] | None:
        upload = self.cleaned_data.get("template")
        if not upload:
            return None
        try:
            return looks.read_template(upload)
        except report.ReportError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_accent(self) -> str:
        from parvis.analytics import render as drawing

        try:
            return drawing.hex_colour(self.cleaned_data["accent"])
        except ValueError:
            raise forms.ValidationError(_("Give a colour such as #5B4BDB.")) from None


@login_required
def report_look(request: AuthedRequest) -> HttpResponse:
    """The look of every report the person's organisation sends (its admins change it)."""
    member = OrganisationMember.objects.filter(user=request.user).select_related("organisation").first()
    if member is None:
        raise Http404
    look, _made = ReportLook.objects.get_or_create(organisation=member.organisation)
    form = LookForm(request.POST or None, request.FILES or None, initial={"accent": look.accent})
    if request.method == "POST":
        if not member.is_admin:
            return HttpResponse(_("Only the organisation's admins change its look."), status=403)
        if form.is_valid():
            data = form.cleaned_data
            look.accent = data["accent"]
            if data["logo"]:
                look.logo = data["logo"]
            elif data["remove_logo"]:
                look.logo = None
            if data["template"]:
                look.template_name, look.template = data["template"]
            elif data["remove_template"]:
                look.template, look.template_name = None, ""
            look.save()
            messages.success(request, _("The reports' look is saved."))
            return redirect(reverse("web:report_look"))
    return render(request, "parvis/analytics/report_look.html", {
        "look": look, "form": form, "organisation": member.organisation, "is_admin": member.is_admin},
        status=400 if form.errors else 200)


# -- the private link a client opens -------------------------------------------------------------------

@never_cache
def report_link(request: HttpRequest, token: str) -> HttpResponse:
    run = deliveries.run_for_link(token, timezone.now())
    if run is None:
        response = render(request, "parvis/analytics/report_link.html", {"run": None}, status=404)
    else:
        with translation.override(run.language):
            response = render(request, "parvis/analytics/report_link.html", {
                "run": run, "token": token, "files": list(run.files.all())})
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
def report_link_file(request: HttpRequest, token: str, format_: str) -> HttpResponse:
    run = deliveries.run_for_link(token, timezone.now())
    if run is None or format_ not in report.ALL_FORMATS:
        raise Http404
    response = _download(run, format_)
    response["Referrer-Policy"] = "no-referrer"
    return response
