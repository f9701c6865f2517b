"""La veille's keyword monitors: the list, the form with its query lab (as you type: how
many texts of the last 30 days the query would have matched, with examples and where),
and each monitor's hits."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from parvis.accounts.models import Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.listening import monitoring
from parvis.listening.models import Hit, Monitor
from parvis.listening.query import QuerySyntaxError, compile_query


class MonitorForm(forms.ModelForm):
    class Meta:
        model = Monitor
        fields = ["name", "query", "in_feeds", "in_inbox", "active"]
        widgets = {"query": forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"})}
        help_texts = {"query": gettext_lazy(
            'Words, "exact phrases", AND / OR / NOT (or ET / OU / SAUF), parentheses, NEAR/5, prefix*, and '
            "title:, author:, site:, lang:, network:. Accents, case, plurals and l’/d’ are ignored.")}

    def __init__(self, *args: object, workspace: Workspace, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.workspace = workspace

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        taken = Monitor.objects.filter(workspace=self.workspace, name=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This workspace has a monitor of that name already."))
        return name

    def clean_query(self) -> str:
        query = self.cleaned_data["query"].strip()
        try:
            compile_query(query)
        except QuerySyntaxError as exc:
            raise forms.ValidationError(_("%(reason)s (at character %(at)d).")
                                        % {"reason": exc.message, "at": exc.position + 1}) from exc
        return query


def _monitor(workspace: Workspace, monitor_id: int) -> Monitor:
    return get_object_or_404(Monitor, pk=monitor_id, workspace=workspace)


@workspace_view(Role.VIEWER, min_role_post=Role.EDITOR)
def veille_monitors(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    form = MonitorForm(request.POST or None, workspace=workspace)
    if request.method == "POST" and form.is_valid():
        monitor = form.save(commit=False)
        monitor.workspace, monitor.created_by = workspace, request.user
        monitoring.save_monitor(monitor)
        messages.success(request, _("Monitor “%(name)s” saved: it is applied to the last 30 days in a moment.")
                         % {"name": monitor.name})
        return redirect("web:veille_monitor", workspace_id=workspace.pk, monitor_id=monitor.pk)
    monitors = Monitor.objects.filter(workspace=workspace)
    counts = dict(Hit.objects.filter(monitor__workspace=workspace).values("monitor_id")
                  .annotate(n=Count("id"))
                  .values_list("monitor_id", "n"))
    rows = [{"monitor": m, "hits": counts.get(m.pk, 0)} for m in monitors]
    return render(request, "parvis/veille/monitors.html", {"workspace": workspace, "form": form, "rows": rows},
                  status=400 if form.errors else 200)


@workspace_view(Role.VIEWER, min_role_post=Role.EDITOR)
def veille_monitor(request: AuthedRequest, workspace: Workspace, monitor_id: int) -> HttpResponseBase:
    monitor = _monitor(workspace, monitor_id)
    form = MonitorForm(request.POST or None, instance=monitor, workspace=workspace)
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            monitor.delete()
            messages.success(request, _("Monitor “%(name)s” deleted.") % {"name": monitor.name})
            return redirect("web:veille_monitors", workspace_id=workspace.pk)
        if form.is_valid():
            monitoring.save_monitor(form.save(commit=False))
            messages.success(request, _("Monitor “%(name)s” saved: it is applied to the last 30 days in a moment.")
                             % {"name": monitor.name})
            return redirect("web:veille_monitor", workspace_id=workspace.pk, monitor_id=monitor.pk)
    hits = Paginator(Hit.objects.filter(monitor=monitor).select_related(
        "entry", "entry__source", "item", "item__author"), 30).get_page(request.GET.get("page"))
    shown = [_hit_row(hit) for hit in hits]
    return render(request, "parvis/veille/monitor.html", {
        "workspace": workspace, "monitor": monitor, "form": form, "hits": hits, "rows": shown,
        "spikes": monitor.spikes.all()[:5],
    }, status=400 if form.errors else 200)


def _hit_row(hit: Hit) -> dict[str, object]:
    """A hit as shown: its text cut around where the query matched."""
    spans = [(int(s), int(e)) for field, s, e in hit.spans if field == "text"]
    title_spans = [(int(s), int(e)) for field, s, e in hit.spans if field == "title"]
    if hit.entry is not None:
        text = monitoring.entry_text(hit.entry)
        return {"hit": hit, "kind": "entry", "title": monitoring.segments(text.title, title_spans),
                "text": monitoring.segments(text.text, spans, around=160), "where": hit.entry.source.title,
                "url": hit.entry.url, "entry": hit.entry}
    item = hit.item
    assert item is not None
    return {"hit": hit, "kind": "item", "title": [], "text": monitoring.segments(item.text, spans, around=160),
            "where": item.author.handle, "url": item.url, "item": item}


@require_GET
@workspace_view()
def veille_lab(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    """The query lab's answer for what is typed (a fragment the form loads as you type)."""
    query = request.GET.get("query", "")[:2000]
    result = None
    if query.strip():
        # From the form, an unticked box is absent; asked directly, both are searched.
        from_form = "name" in request.GET
        result = monitoring.lab(workspace.pk, query,
                                in_feeds=request.GET.get("in_feeds") == "on" if from_form else True,
                                in_inbox=request.GET.get("in_inbox") == "on" if from_form else True)
    return render(request, "parvis/veille/_lab.html", {"workspace": workspace, "result": result, "query": query})


@require_POST
@workspace_view(Role.EDITOR)
def veille_monitor_apply(request: AuthedRequest, workspace: Workspace, monitor_id: int) -> HttpResponseBase:
    monitoring.save_monitor(_monitor(workspace, monitor_id))
    messages.success(request, _("The monitor is applied again to the last 30 days in a moment."))
    return redirect("web:veille_monitor", workspace_id=workspace.pk, monitor_id=monitor_id)
