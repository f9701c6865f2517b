"""La veille's competitors: the board (their figures next to the brand's, over a week or
a month, and what they covered that the brand did not), the competitors and their
accounts."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view
from parvis.listening import competitors
from parvis.listening.competitors import CompetitorError, Figures
from parvis.listening.models import BLOG, Competitor, CompetitorAccount

PERIODS = {"7": 7, "30": 30}
SLOT_HOURS = 3  # the heatmap's columns: eight slots of three hours fit a phone


class CompetitorForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)


class AccountForm(forms.Form):
    network = forms.ChoiceField(label=gettext_lazy("Where"))
    handle = forms.CharField(label=gettext_lazy("Handle or address"), max_length=2000,
                             help_text=gettext_lazy("The account's handle as its network writes it, or the "
                                                    "address of its profile; for a blog, its address."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["network"].choices = competitors.networks()  # type: ignore[attr-defined]


def heat_rows(column: Figures) -> list[tuple[str, list[tuple[int, int]]]]:
    """The heatmap by weekday and three-hour slot: (weekday's name, [(count, shade 0–4)])."""
    slots = [[sum(day[h:h + SLOT_HOURS]) for h in range(0, 24, SLOT_HOURS)] for day in column.heatmap]
    top = max((n for day in slots for n in day), default=0)
    names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    return [(names[weekday], [(n, 0 if not n else min(4, 1 + 3 * n // top)) for n in day])
            for weekday, day in enumerate(slots)]


@membership_view(Role.VIEWER, min_role_post=Role.EDITOR)
def veille_competitors(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = CompetitorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            competitor = competitors.add_competitor(workspace, form.cleaned_data["name"])
        except CompetitorError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, _("“%(name)s” added: now add its accounts.") % {"name": competitor.name})
            return redirect(f"{request.path}#competitor-{competitor.pk}")
    competitors.sync_brand(workspace)
    period = request.GET.get("period", "7")
    days = PERIODS.get(period, 7)
    board = competitors.board(workspace, days=days)
    listed = list(Competitor.objects.filter(workspace=workspace).prefetch_related("accounts"))
    context = {
        "workspace": workspace, "form": form, "account_form": AccountForm(), "board": board,
        "period": str(days), "periods": [("7", _("7 days")), ("30", _("30 days"))],
        "heat": [(column, heat_rows(column)) for column in board.columns],
        "slots": [f"{h:02d}h" for h in range(0, 24, SLOT_HOURS)],
        "competitors": listed,
        "networks": ", ".join(label for key, label in competitors.networks() if key != BLOG),
        "can_edit": membership.at_least(Role.EDITOR),
    }
    return render(request, "parvis/veille/competitors.html", context, status=400 if form.errors else 200)


@require_POST
@workspace_view(Role.EDITOR)
def veille_competitor_account(request: AuthedRequest, workspace: Workspace, competitor_id: int) -> HttpResponseBase:
    competitor = get_object_or_404(Competitor, pk=competitor_id, workspace=workspace)
    form = AccountForm(request.POST)
    if form.is_valid():
        try:
            account = competitors.add_account(competitor, form.cleaned_data["network"], form.cleaned_data["handle"],
                                              request.user)
        except CompetitorError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, _("%(handle)s followed: its figures come with the next read.")
                             % {"handle": account.handle})
            return redirect(f"{_page(workspace)}#competitor-{competitor.pk}")
    errors = "; ".join(f"{form.fields[name].label if name in form.fields else ''}: {' '.join(str(p) for p in problems)}"
                       for name, problems in form.errors.items())
    messages.error(request, errors)
    return redirect(f"{_page(workspace)}#competitor-{competitor.pk}")


@require_POST
@workspace_view(Role.EDITOR)
def veille_competitor_delete(request: AuthedRequest, workspace: Workspace, competitor_id: int) -> HttpResponseBase:
    competitor = get_object_or_404(Competitor, pk=competitor_id, workspace=workspace, is_brand=False)
    competitor.delete()
    messages.success(request, _("“%(name)s” removed, with its figures.") % {"name": competitor.name})
    return redirect(_page(workspace))


@require_POST
@workspace_view(Role.EDITOR)
def veille_competitor_account_action(request: AuthedRequest, workspace: Workspace, account_id: int,
                                     action: str) -> HttpResponseBase:
    account = get_object_or_404(CompetitorAccount, pk=account_id, competitor__workspace=workspace)
    if action == "resume":
        competitors.resume(account)
        messages.success(request, _("%(handle)s is read again in a moment.") % {"handle": account.handle})
    else:
        account.delete()
        messages.success(request, _("%(handle)s is no longer followed.") % {"handle": account.handle})
    return redirect(f"{_page(workspace)}#competitor-{account.competitor_id}")


def _page(workspace: Workspace) -> str:
    from django.urls import reverse

    return reverse("web:veille_competitors", args=[workspace.pk])
