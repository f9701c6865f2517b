"""The ROI page of a client: what the CM's time cost over a period (hours entered, or
estimated from the posts and inbox replies, at the day rate) and what it brought —
clicks, conversions, interactions, and the cost of each — with what feeds it: the cost
settings, the time entered, the conversion sources (Matomo, Plausible, a webhook) and a
CSV import. Every member reads it; managers and owners change it (403 otherwise).

One address: each form says what it does in `action`, and a POST that worked comes
back to the same period. A webhook's secret is shown on the page that answers its
creation, never again; an analytics token is never shown back."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view
from parvis.analytics import conversions, costs
from parvis.analytics.dashboard import PERIOD_DAYS, Period, PeriodError, period_of
from parvis.analytics.models import ConversionKind, ConversionSource, CostSettings, TimeEntry
from parvis.analytics.roi import (
    MAX_DAY_RATE,
    MAX_HOURS_PER_DAY,
    MAX_MINUTES,
    add_source,
    change_source,
    check_currency,
    hook_address,
    roi_figures,
    source_error,
)
from parvis.core.ids import parse_id

DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LATEST_ENTRIES = 20


class CostSettingsForm(forms.Form):
    day_rate = forms.DecimalField(label=gettext_lazy("Day rate"), min_value=0, max_value=MAX_DAY_RATE,
                                  max_digits=10, decimal_places=2, localize=True,
                                  help_text=gettext_lazy("What a day of your time costs this client."))
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3,
                               help_text=gettext_lazy("Three letters, such as EUR or CHF."))
    hours_per_day = forms.DecimalField(label=gettext_lazy("Hours in a day"), min_value=0.25,
                                       max_value=MAX_HOURS_PER_DAY, max_digits=4, decimal_places=2, localize=True)
    minutes_per_post = forms.IntegerField(label=gettext_lazy("Minutes per post"), min_value=0, max_value=MAX_MINUTES,
                                          help_text=gettext_lazy("The estimate on days without time entered."))
    minutes_per_reply = forms.IntegerField(label=gettext_lazy("Minutes per inbox reply"), min_value=0,
                                           max_value=MAX_MINUTES)

    def clean_currency(self) -> str:
        try:
            return check_currency(self.cleaned_data["currency"])
        except conversions.ConversionError as exc:
            raise forms.ValidationError(exc.message) from None

    @classmethod
    def of(cls, settings: CostSettings) -> CostSettingsForm:
        return cls(initial={name: getattr(settings, name) for name in cls.base_fields}, prefix="cost")


class TimeEntryForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=DAY)
    minutes = forms.IntegerField(label=gettext_lazy("Minutes"), min_value=1, max_value=MAX_MINUTES)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        if not 2000 <= day.year <= 2100:
            raise forms.ValidationError(_("This date is out of range."))
        return day


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Tool"), choices=[(ConversionKind.MATOMO.value, "Matomo"),
                                                                  (ConversionKind.PLAUSIBLE.value, "Plausible")])
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False)
    base_url = forms.CharField(label=gettext_lazy("Address"), max_length=500,
                               help_text=gettext_lazy("Such as https://stats.example.com"))
    site_id = forms.CharField(label=gettext_lazy("Site"), max_length=200,
                              help_text=gettext_lazy("Matomo: the site's id (a number). Plausible: the site's domain."))
    token = forms.CharField(label=gettext_lazy("API token"), max_length=500,
                            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                            help_text=gettext_lazy("Kept encrypted, never shown again."))
    goal = forms.CharField(label=gettext_lazy("Goal"), max_length=200, required=False,
                           help_text=gettext_lazy("Matomo: the goal's id; Plausible: its name. Empty: every goal."))


class WebhookForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False,
                           help_text=gettext_lazy("Such as “Shop sign-ups”."))


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"), help_text=gettext_lazy(
        "Columns day, goal, count (and value, campaign, network, id if you have them), separated by ; or ,."))


def _period(request: AuthedRequest, today: date) -> tuple[Period, PeriodError | None]:
    try:
        return period_of(request.GET, today), None
    except PeriodError as exc:
        return period_of({}, today), exc


class Forms:
    """The page's forms: the one posted bound, the others empty."""

    def __init__(self, request: AuthedRequest, settings: CostSettings, today: date) -> None:
        posted = request.POST.get("action", "") if request.method == "POST" else ""
        data, files = request.POST, request.FILES

        def bound(action: str) -> bool:
            return posted == action

        self.settings = (CostSettingsForm(data, prefix="cost") if bound("settings")
                         else CostSettingsForm.of(settings))
        self.time = (TimeEntryForm(data, prefix="time") if bound("time")
                     else TimeEntryForm(initial={"day": today}, prefix="time"))
        self.source = SourceForm(data, prefix="source") if bound("source") else SourceForm(prefix="source")
        self.webhook = WebhookForm(data, prefix="webhook") if bound("webhook") else WebhookForm(prefix="webhook")
        self.file = ImportForm(data, files, prefix="import") if bound("import") else ImportForm(prefix="import")
        self.refused: list[conversions.ConversionError] = []

    def has_errors(self) -> bool:
        return bool(self.refused) or any(f.is_bound and f.errors for f in (
            self.settings, self.time, self.source, self.webhook, self.file))


@membership_view(Role.VIEWER, min_role_post=Role.MANAGER)
def roi(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    today = timezone.now().astimezone(workspace.tz).date()
    settings = costs.settings_of([workspace.pk])[workspace.pk]
    page = Forms(request, settings, today)
    created: tuple[ConversionSource, str] | None = None
    if request.method == "POST":
        done = _act(request, workspace, page)
        if isinstance(done, tuple):
            created = done
        elif done:
            return redirect(request.get_full_path())
    period, error = _period(request, today)
    figures = roi_figures(workspace, period)
    sources = list(ConversionSource.objects.filter(workspace=workspace).order_by("pk"))
    context: dict[str, Any] = {
        "workspace": workspace, "period": period, "error": error, "tz": workspace.tz.key,
        "periods": [(str(days), _("%(days)s days") % {"days": days}) for days in PERIOD_DAYS],
        "days": request.GET.get("days", "") if not (request.GET.get("start") or request.GET.get("end")) else "",
        "f": figures, "settings": settings, "rate_set": bool(settings.pk and settings.day_rate),
        "forms": page, "can_manage": membership.at_least(Role.MANAGER),
        "entries": TimeEntry.objects.filter(workspace=workspace).select_related("user")[:LATEST_ENTRIES],
        "sources": [(s, source_error(s), hook_address(s, request) if s.kind == ConversionKind.WEBHOOK else "")
                    for s in sources],
        "created": created[0] if created else None, "secret": created[1] if created else "",
        "created_url": hook_address(created[0], request) if created else "",
        "has_conversions": workspace.conversions.exists(),
    }
    return render(request, "parvis/analytics/roi.html", context,
                  status=400 if page.has_errors() or error else 200)


def _act(request: AuthedRequest, workspace: Workspace, page: Forms) -> bool | tuple[ConversionSource, str]:
    """Do what the form posted asks: True when it worked (the page is shown again by a
    redirect), the new webhook and its secret (shown on this answer only), False with
    the errors on the form."""
    action = request.POST.get("action", "")
    if action == "settings" and page.settings.is_valid():
        CostSettings.objects.update_or_create(workspace=workspace, defaults=page.settings.cleaned_data)
        messages.success(request, _("Cost settings saved."))
        return True
    if action == "time" and page.time.is_valid():
        TimeEntry.objects.create(workspace=workspace, user=request.user, **page.time.cleaned_data)
        messages.success(request, _("Time entered."))
        return True
    if action == "time_delete":
        get_object_or_404(TimeEntry, pk=_id(request), workspace=workspace).delete()
        messages.success(request, _("Time entry deleted."))
        return True
    if action in ("source", "webhook"):
        form: forms.Form = page.source if action == "source" else page.webhook
        if not form.is_valid():
            return False
        kind = form.cleaned_data.get("kind", ConversionKind.WEBHOOK.value)
        try:
            source, secret = add_source(workspace, kind, form.cleaned_data)
        except conversions.ConversionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return False
        if secret:
            return source, secret
        messages.success(request, _("Source added: its conversions are read within minutes, then every hour."))
        return True
    if action in ("source_disable", "source_enable", "source_delete"):
        source = get_object_or_404(ConversionSource, pk=_id(request), workspace=workspace)
        if action == "source_delete":
            source.delete()
            messages.success(request, _("Source deleted; the conversions it brought stay."))
        else:
            change_source(source, {"enabled": action == "source_enable"})
            messages.success(request, _("Source switched on.") if source.enabled else _("Source switched off."))
        return True
    if action == "import":
        return _import(request, workspace, page)
    return False


def _import(request: AuthedRequest, workspace: Workspace, page: Forms) -> bool:
    if not page.file.is_valid():
        return False
    upload = page.file.cleaned_data["file"]
    raw = upload.read(conversions.MAX_FILE + 1)
    if b"\x00" in raw:
        page.file.add_error("file", _("This is not a CSV file: save it as “CSV UTF-8”."))
        return False
    try:
        done = conversions.import_csv(workspace, raw)
    except conversions.ImportRefused as exc:
        page.file.add_error("file", exc.message)
        page.refused = exc.errors
        return False
    except conversions.ConversionError as exc:
        page.file.add_error("file", _("Line %(line)s: %(message)s") % {"line": exc.line, "message": exc.message}
                            if exc.line else exc.message)
        return False
    total = done.created + done.updated
    messages.success(request, ngettext("%(count)d line imported (%(new)d new, %(updated)d updated).",
                                       "%(count)d lines imported (%(new)d new, %(updated)d updated).", total)
                     % {"count": total, "new": done.created, "updated": done.updated})
    return True


def _id(request: AuthedRequest) -> int:
    return parse_id(request.POST.get("id", "")) or 0
