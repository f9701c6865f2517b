"""The inbox's rules page (one of the inbox settings screens): the ordered list with its
switches, the create/edit form, and "Test on past items".

A rule is created switched off: the preview runs the very matching function the live run
uses (`rules.preview`), so what it says is what the rule will do once switched on.
Managers and owners only, like every settings page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import workspace_view
from parvis.inbox import crisis, rules
from parvis.inbox.models import ADDRESSED_KINDS, Kind, Priority, Rule, Sentiment
from parvis.networks import registry
from parvis.publishing.models import Label

LIST_FIELDS = ("sentiments", "flags", "networks", "accounts", "kinds", "labels")


def actor(request: AuthedRequest) -> User:
    return request.user


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def read_form(data: Any) -> dict[str, Any]:
    """The form's values as typed (kept on errors, so nothing written is lost)."""
    values: dict[str, Any] = {key: data.get(key, "") for key in ("name", "words", "authors", "languages",
                                                                    "assign", "priority")}
    values.update({key: data.getlist(key) for key in LIST_FIELDS})
    values.update({key: key in data for key in ("done", "hide", "notify", "stop")})
    return values


def conditions_of(values: dict[str, Any]) -> dict[str, Any]:
    languages = [code.strip().lower() for code in values["languages"].replace(";", ",").split(",") if code.strip()]
    return {"words": _lines(values["words"]), "authors": _lines(values["authors"]), "languages": languages,
            **{key: values[key] for key in ("sentiments", "flags", "networks", "accounts", "kinds")}}


def actions_of(values: dict[str, Any]) -> dict[str, Any]:
    return {"labels": values["labels"], "assign": values["assign"], "priority": values["priority"],
            **{key: values[key] for key in ("done", "hide", "notify")}}


def values_of(rule: Rule) -> dict[str, Any]:
    cond, act = rule.conditions, rule.actions
    return {
        "name": rule.name, "words": "\n".join(cond.get("words", [])), "authors": "\n".join(cond.get("authors", [])),
        "languages": ", ".join(cond.get("languages", [])),
        **{key: [str(v) for v in cond.get(key, [])] for key in ("sentiments", "flags", "networks", "accounts",
                                                                  "kinds")},
        "labels": [str(v) for v in act.get("labels", [])], "assign": str(act.get("assign", "")),
        "priority": str(act.get("priority", "")), "done": bool(act.get("done")), "hide": bool(act.get("hide")),
        "notify": bool(act.get("notify")), "stop": rule.stop,
    }


def _choices(workspace: Workspace) -> dict[str, Any]:
    members = Membership.objects.filter(workspace=workspace).select_related("user").order_by("user__email")
    return {
        "sentiment_choices": Sentiment.choices,
        "flag_choices": [("toxic", _("Insult or toxic")), ("spam", _("Spam"))],
        "network_choices": [(key, info.label) for key, info in registry.NETWORKS.items()],
        "account_choices": [(str(a.pk), f"{a.handle} ({a.network_label})") for a in workspace.social_accounts.all()],
        "kind_choices": [(k.value, Kind(k.value).label) for k in ADDRESSED_KINDS],
        "label_choices": [(str(label.pk), label.name) for label in Label.objects.filter(workspace=workspace)],
        "member_choices": [(str(m.user_id), str(m.user.first_name or m.user.email)) for m in members],
        "priority_choices": [(str(value), label) for value, label in Priority.choices],
        "preview_days": rules.PREVIEW_DAYS,
    }


def _page_context(workspace: Workspace) -> dict[str, Any]:
    return {"workspace": workspace, "alert": crisis.active_alert(workspace), "can_pause": True,
            "can_acknowledge": True}


@workspace_view(Role.MANAGER)
def rule_list(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    return render(request, "parvis/inbox/settings_rules.html", {
        **_page_context(workspace), "rules": list(Rule.objects.filter(workspace=workspace)),
        **_choices(workspace),
    })


def preview_context(workspace: Workspace, values: dict[str, Any]) -> dict[str, Any]:
    """"This rule would have matched N items": the conditions as typed, checked first."""
    try:
        conditions = rules.clean_conditions(workspace, conditions_of(values))
    except rules.RuleError as exc:
        return {"preview_error": exc, "preview_days": rules.PREVIEW_DAYS}
    return {"preview": rules.preview(workspace, conditions), "preview_days": rules.PREVIEW_DAYS}


@workspace_view(Role.MANAGER)
def rule_form(request: AuthedRequest, workspace: Workspace, rule_id: int | None = None) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id, workspace=workspace) if rule_id is not None else None
    values = values_of(rule) if rule is not None else read_form(_Empty())
    error: rules.RuleError | None = None
    shown: dict[str, Any] = {}
    if request.method == "POST":
        values = read_form(request.POST)
        if "preview" in request.POST:  # the test button without JavaScript: same page, nothing saved
            shown = preview_context(workspace, values)
        else:
            try:
                saved = rules.save_rule(workspace, actor(request), values["name"], conditions_of(values),
                                        actions_of(values), values["stop"], rule)
            except rules.RuleError as exc:
                error = exc
            else:
                if rule is None:
                    messages.success(request, _("Rule saved, switched off. Test it on past items, then switch "
                                                "it on."))
                else:
                    messages.success(request, _("Rule saved."))
                return redirect("web:inbox_rule_edit", workspace_id=workspace.pk, rule_id=saved.pk)
    return render(request, "parvis/inbox/settings_rule_form.html", {
        **_page_context(workspace), **_choices(workspace), **shown, "rule": rule, "values": values,
        "error": error,
    }, status=400 if error else 200)


class _Empty(dict[str, Any]):
    """An empty form: what `read_form` reads for a new rule."""

    def getlist(self, key: str) -> list[str]:
        return []


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def rule_preview(request: AuthedRequest, workspace: Workspace) -> HttpResponse:
    """The htmx half of "Test on past items": the count and a few matched items."""
    context = preview_context(workspace, read_form(request.POST))
    return render(request, "parvis/inbox/_settings_preview.html", {"workspace": workspace, **context})


def _rule(workspace: Workspace, rule_id: int) -> Rule:
    return get_object_or_404(Rule, pk=rule_id, workspace=workspace)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def rule_move(request: AuthedRequest, workspace: Workspace, rule_id: int) -> HttpResponse:
    rule = _rule(workspace, rule_id)
    rules.move(rule, request.POST.get("direction", ""))
    return redirect("web:inbox_rules", workspace_id=workspace.pk)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def rule_switch(request: AuthedRequest, workspace: Workspace, rule_id: int) -> HttpResponse:
    rule = _rule(workspace, rule_id)
    rule.enabled = request.POST.get("enabled") == "1"
    rule.save(update_fields=["enabled", "updated_at"])
    if rule.enabled:
        messages.success(request, _("“%(name)s” is on: it applies to new items.") % {"name": rule.name})
    else:
        messages.success(request, _("“%(name)s” is off.") % {"name": rule.name})
    return redirect("web:inbox_rules", workspace_id=workspace.pk)


@login_required
@require_POST
@workspace_view(Role.MANAGER)
def rule_delete(request: AuthedRequest, workspace: Workspace, rule_id: int) -> HttpResponse:
    rule = _rule(workspace, rule_id)
    rule.delete()
    messages.success(request, _("Rule “%(name)s” deleted. Items it already changed stay as they are.")
                     % {"name": rule.name})
    return redirect("web:inbox_rules", workspace_id=workspace.pk)
