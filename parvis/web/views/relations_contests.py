"""Relations: the CM's contests — the list, the form (each field the logic refuses named
on its field), and a contest's page: its rules, opening (the commitment C, then the
address of the public proof page to put in the post), the entries with why some are
excluded, collecting now, the draw, and the winners (told, answered, announced).

Thin: every decision is `parvis.relations.contests`, `contest_entries`, `contest_winners`
and `contest_tasks`'. Members read; editors and above change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from parvis.accounts.models import Membership, Role, Workspace
from parvis.accounts.requests import AuthedRequest
from parvis.accounts.scoping import membership_view, workspace_view
from parvis.networks import registry
from parvis.publishing.models import Post, State
from parvis.publishing.schedule import parse_local_time
from parvis.publishing.types import FieldError
from parvis.relations import contest_tasks, contest_winners, contests
from parvis.relations.contest_entries import exclusion_detail
from parvis.relations.contest_rules import COMMITMENT_MARK, draft_rules
from parvis.relations.models import Contest, Winner

PER_PAGE = 50
POSTS_OFFERED = 100  # the select lists the most recent published posts
LOCAL = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> reads and sends
WAY_CHOICES = [("reply", gettext_lazy("Reply to the post")), ("repost", gettext_lazy("Share (repost) the post")),
               ("like", gettext_lazy("Like the post")), ("follow", gettext_lazy("Follow the account"))]
WAY_NAMES = {"reply": gettext_lazy("reply"), "repost": gettext_lazy("share"), "like": gettext_lazy("like"),
             "follow": gettext_lazy("follow")}


def _contests(workspace: Workspace) -> QuerySet[Contest]:
    return Contest.objects.filter(workspace=workspace)


def _published_posts(workspace: Workspace, current: Post | None) -> list[tuple[str, str]]:
    """The workspace's posts that are on a network, most recently published first (and the
    contest's own post, however old)."""
    published = Q(publications__state=State.PUBLISHED, publications__remote_id__gt="")
    posts: list[Any] = list(Post.objects.filter(published, workspace=workspace).annotate(
        last=Max("publications__published_at", filter=published)).order_by("-last", "-pk")[:POSTS_OFFERED])
    if current is not None and current not in posts:
        posts.append(current)
    tz = workspace.tz

    def label(post: Any) -> str:
        when = getattr(post, "last", None)
        text = " ".join(post.text.split())
        short = text if len(text) <= 80 else text[:79] + "…"
        return f"{timezone.localtime(when, tz):%d/%m/%Y} · {short}" if when else short

    return [("", "—")] + [(str(post.pk), label(post)) for post in posts]


class ContestForm(forms.Form):
    """Lenient on purpose: `contests.save_contest` checks every field and names each one
    at fault, so that the page and the API refuse the same things with the same words."""

    name = forms.CharField(label=gettext_lazy("Name"), required=False,
                           help_text=gettext_lazy("For you and in the rules, such as “Christmas hamper”."))
    prize = forms.CharField(label=gettext_lazy("Prize"), required=False)
    prize_value = forms.CharField(label=gettext_lazy("Prize value (€, incl. VAT)"), required=False,
                                  help_text=gettext_lazy("Optional, such as 49.90: the rules state it."))
    organiser = forms.CharField(label=gettext_lazy("Organiser"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}),
                                help_text=gettext_lazy("The company's name and address, as the rules state them."))
    language = forms.ChoiceField(label=gettext_lazy("Language of the rules"),
                                 choices=[("fr", gettext_lazy("French")), ("en", gettext_lazy("English"))])
    opens_at = forms.CharField(label=gettext_lazy("Opens"), required=False,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.CharField(label=gettext_lazy("Closes"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    post = forms.ChoiceField(label=gettext_lazy("Post"), required=False,
                             help_text=gettext_lazy("People enter on this post: one of the workspace's published "
                                                    "posts, most recent first."))
    ways = forms.MultipleChoiceField(label=gettext_lazy("Ways to enter"), choices=WAY_CHOICES, required=False,
                                     widget=forms.CheckboxSelectMultiple,
                                     help_text=gettext_lazy("Any one of them is an entry."))
    winners = forms.CharField(label=gettext_lazy("Winners"), required=False,
                              widget=forms.NumberInput(attrs={"min": 1, "max": contests.MAX_WINNERS}))
    alternates = forms.CharField(label=gettext_lazy("Alternates"), required=False,
                                 widget=forms.NumberInput(attrs={"min": 0, "max": contests.MAX_ALTERNATES}),
                                 help_text=gettext_lazy("Drawn after the winners, in order: each replaces a winner "
                                                        "who does not answer in time."))
    public_value_rule = forms.CharField(
        label=gettext_lazy("Public value used in the draw"), required=False,
        help_text=gettext_lazy("Optional: a value nobody knows before the close and anyone can check after it, "
                               "such as “the EuroMillions numbers of Tuesday 22 December 2026”. You enter it to "
                               "draw."))
    must_follow = forms.BooleanField(label=gettext_lazy("Entrants must follow the account"), required=False)
    hashtag = forms.CharField(label=gettext_lazy("Required hashtag"), required=False,
                              help_text=gettext_lazy("Optional, such as #GrandJeu: the reply must carry it."))
    mentions = forms.CharField(label=gettext_lazy("Accounts to mention"), required=False,
                               widget=forms.NumberInput(attrs={"min": 0, "max": contests.MAX_MENTIONS}),
                               help_text=gettext_lazy("How many other accounts the reply must mention (0: none)."))
    exclude_new_accounts = forms.BooleanField(label=gettext_lazy("Exclude accounts created after the opening"),
                                              required=False)
    exclude_bots = forms.BooleanField(label=gettext_lazy("Exclude automated (bot) accounts"), required=False)
    staff = forms.CharField(label=gettext_lazy("Staff handles (excluded)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=gettext_lazy("One per line, such as @name."))
    answer_days = forms.CharField(label=gettext_lazy("Days a winner has to answer"), required=False,
                                  widget=forms.NumberInput(attrs={"min": contests.ANSWER_DAYS[0],
                                                                  "max": contests.ANSWER_DAYS[1]}))

    def __init__(self, *args: Any, workspace: Workspace, contest: Contest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["post"].choices = _published_posts(workspace, contest.post if contest else None)  # type: ignore[attr-defined]
        zone = workspace.timezone
        for name in ("opens_at", "closes_at"):
            self.fields[name].help_text = _("In the workspace's time zone (%(zone)s).") % {"zone": zone}
        if contest is not None and contest.status != Contest.Status.DRAFT:
            # What entrants rely on was published with C: shown, never sent back.
            for name in contests.FROZEN:
                if name in self.fields:
                    self.fields[name].disabled = True

    @classmethod
    def of(cls, contest: Contest | None, workspace: Workspace, data: Any = None) -> ContestForm:
        """The form filled with the contest as saved (a disabled field keeps this value
        whatever is posted), and with what was posted when `data` is given."""
        current = contest or Contest(ways=["reply"])  # no times yet: the form starts empty
        initial = {name: getattr(current, name) for name in cls.base_fields
                   if name not in ("opens_at", "closes_at", "post", "prize_value")}
        for name in ("opens_at", "closes_at"):
            when = getattr(current, name)
            initial[name] = timezone.localtime(when, workspace.tz).strftime(LOCAL) if when else ""
        initial["post"] = str(current.post_id or "")
        initial["prize_value"] = "" if current.prize_value is None else str(current.prize_value)
        return cls(data, initial=initial, workspace=workspace, contest=contest)

    def values(self) -> tuple[dict[str, Any], list[FieldError]]:
        """What `save_contest` reads (only the fields that may change), and the times that
        could not be read in the workspace's zone."""
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for name, field in self.fields.items():
            if field.disabled:
                continue
            value = self.cleaned_data.get(name)
            if name in ("opens_at", "closes_at"):
                value, wrong = parse_local_time(str(value or "").strip(), self.workspace.timezone)
                errors += [FieldError(name, e.message, e.code) for e in wrong]
            elif name == "post":
                value = int(str(value)) if str(value or "").isdigit() else None
            values[name] = value
        return values, errors


def _save_form(request: AuthedRequest, form: ContestForm, contest: Contest | None) -> Contest | None:
    if not form.is_valid():
        return None
    values, errors = form.values()
    wrong = {e.field for e in errors}
    untouched = contest is not None and contest.status == Contest.Status.DRAFT and contest.rules_text == draft_rules(
        contest)
    try:
        # Called even when a time is wrong (then None): every other field at fault is named too.
        saved: Contest | None = contests.save_contest(form.workspace, request.user, values, contest)
    except contests.ContestError as exc:
        errors += [e for e in exc.errors if e.field not in wrong]
        saved = None
    for error in errors:
        form.add_error(error.field if error.field in form.fields else None, error.message)
    if saved is None:
        return None
    if untouched:
        # Rules never edited by hand follow the form; edited ones are the CM's to redraft.
        saved = contests.save_contest(form.workspace, request.user, {"rules_text": draft_rules(saved)}, saved)
    return saved


@membership_view(Role.VIEWER)
def contests_list(request: AuthedRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    found = _contests(workspace).annotate(entry_count=Count("entries")).order_by("-closes_at", "-pk")
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "parvis/relations/contests.html", {
        "workspace": workspace, "page": page, "can_edit": membership.at_least(Role.EDITOR)})


@membership_view(Role.EDITOR)
def contest_new(request: AuthedRequest, membership: Membership) -> HttpResponseBase:
    workspace = membership.workspace
    form = ContestForm.of(None, workspace, request.POST if request.method == "POST" else None)
    if request.method == "POST" and (saved := _save_form(request, form, None)):
        messages.success(request, _("“%(name)s” saved as a draft: read its rules, then open it.")
                         % {"name": saved.name})
        return redirect("web:contest", workspace.pk, saved.pk)
    return render(request, "parvis/relations/contest_form.html", {"workspace": workspace, "form": form},
                  status=400 if form.errors else 200)


@membership_view(Role.EDITOR)
def contest_edit(request: AuthedRequest, membership: Membership, contest_id: int) -> HttpResponseBase:
    workspace = membership.workspace
    contest = get_object_or_404(_contests(workspace), pk=contest_id)
    form = ContestForm.of(contest, workspace, request.POST if request.method == "POST" else None)
    if request.method == "POST" and (saved := _save_form(request, form, contest)):
        messages.success(request, _("“%(name)s” saved.") % {"name": saved.name})
        return redirect("web:contest", workspace.pk, contest.pk)
    return render(request, "parvis/relations/contest_form.html",
                  {"workspace": workspace, "form": form, "contest": contest}, status=400 if form.errors else 200)


def _page(request: AuthedRequest, membership: Membership, contest: Contest,
          errors: list[FieldError] | None = None, public_value: str = "", rules_text: str | None = None,
          status: int = 200) -> HttpResponse:
    """The contest's page; after a refused action, with each error by its field (400)."""
    workspace = membership.workspace
    show = request.GET.get("show", "")
    entries = contest.entries.order_by("first_at", "pk")
    if show == "eligible":
        entries = entries.filter(excluded="")
    elif show == "excluded":
        entries = entries.exclude(excluded="")
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    counts = contest.entries.aggregate(total=Count("pk"), out=Count("pk", filter=~Q(excluded="")))
    picks = list(contest.picks.select_related("entry").order_by("rank"))
    by_field: dict[str, list[str]] = {}
    for error in errors or []:
        by_field.setdefault(error.field, []).append(error.message)
    now = timezone.now()
    context = {
        "workspace": workspace, "contest": contest, "can_edit": membership.at_least(Role.EDITOR),
        "errors": by_field, "public_value": public_value,
        "rules_text": contest.rules_text if rules_text is None else rules_text,
        "proof_url": contests.proof_url(contest), "show": show, "page": page,
        "rows": [(entry, _network(entry.network), ", ".join(str(WAY_NAMES.get(way, way)) for way in entry.ways),
                  exclusion_detail(entry)) for entry in page],
        "mark": COMMITMENT_MARK,
        "total": counts["total"], "excluded_count": counts["out"], "eligible_count": counts["total"] - counts["out"],
        "winners": picks[:contest.winners], "alternates": picks[contest.winners:],
        "answerable": (Winner.Status.DRAWN, Winner.Status.CONTACTED),
        "to_contact": any(p.status == Winner.Status.DRAWN and p.contacted_at is None for p in picks),
        "past_close": contest.closes_at <= now, "post_url": _post_url(contest),
    }
    return render(request, "parvis/relations/contest.html", context, status=status)


def _network(key: str) -> str:
    return registry.get(key).label if key in registry.NETWORKS else key


def _post_url(contest: Contest) -> str:
    if contest.post is None:
        return ""
    published = contests.publications_of(contest.post)
    return next((p.remote_url for p in published if p.remote_url), "")


@membership_view(Role.VIEWER)
def contest(request: AuthedRequest, membership: Membership, contest_id: int) -> HttpResponse:
    found = get_object_or_404(_contests(membership.workspace).select_related("post"), pk=contest_id)
    return _page(request, membership, found)


@require_POST
@membership_view(Role.EDITOR)
def contest_rules(request: AuthedRequest, membership: Membership, contest_id: int) -> HttpResponseBase:
    """The rules as the CM edited them (or drafted again from the contest's details)."""
    workspace = membership.workspace
    found = get_object_or_404(_contests(workspace), pk=contest_id)
    text = draft_rules(found) if request.POST.get("redraft") else request.POST.get("rules_text", "")
    try:
        contests.save_contest(workspace, request.user, {"rules_text": text}, found)
    except contests.ContestError as exc:
        return _page(request, membership, found, exc.errors, rules_text=text, status=400)
    messages.success(request, _("The rules are drafted again from the contest's details.") if request.POST.get(
        "redraft") else _("The rules are saved."))
    return redirect("web:contest", workspace.pk, found.pk)


@require_POST
@membership_view(Role.EDITOR)
def contest_open(request: AuthedRequest, membership: Membership, contest_id: int) -> HttpResponseBase:
    workspace = membership.workspace
    found = get_object_or_404(_contests(workspace), pk=contest_id)
    try:
        contests.open_contest(found, timezone.now(), request.user)
    except contests.ContestError as exc:
        return _page(request, membership, found, exc.errors, status=400)
    messages.success(request, _("The contest is open: put the address of its proof page in the post."))
    return redirect("web:contest", workspace.pk, found.pk)


@require_POST
@workspace_view(Role.EDITOR)
def contest_collect(request: AuthedRequest, workspace: Workspace, contest_id: int) -> HttpResponseBase:
    found = get_object_or_404(_contests(workspace), pk=contest_id)
    if found.status != Contest.Status.OPEN:
        messages.error(request, _("Entries are collected while the contest is open."))
    elif contest_tasks.collect_now(found, timezone.now()):
        messages.success(request, _("The entries are being collected: reload the page in a minute."))
    else:
        messages.info(request, _("A collection is already under way."))
    return redirect("web:contest", workspace.pk, found.pk)


@require_POST
@membership_view(Role.EDITOR)
def contest_draw(request: AuthedRequest, membership: Membership, contest_id: int) -> HttpResponseBase:
    workspace = membership.workspace
    found = get_object_or_404(_contests(workspace), pk=contest_id)
    public_value = request.POST.get("public_value", "")
    try:
        contests.draw(found, public_value, request.user)
    except contests.ContestError as exc:
        return _page(request, membership, found, exc.errors, public_value=public_value, status=400)
    messages.success(request, _("Drawn. Anyone can check the draw on its proof page."))
    return redirect("web:contest", workspace.pk, found.pk)


@require_POST
@workspace_view(Role.EDITOR)
def contest_contact_winners(request: AuthedRequest, workspace: Workspace, contest_id: int) -> HttpResponseBase:
    found = get_object_or_404(_contests(workspace), pk=contest_id)
    try:
        told = contest_winners.contact_winners(found, timezone.now(), request.user)
    except contests.ContestError as exc:
        messages.error(request, exc.errors[0].message)
    else:
        left = found.picks.filter(status=Winner.Status.DRAWN, contacted_at__isnull=True).count()
        messages.success(request, ngettext("%(n)d winner told.", "%(n)d winners told.", told) % {"n": told})
        if left:
            messages.warning(request, ngettext(
                "%(n)d winner could not be reached: try again later.",
                "%(n)d winners could not be reached: try again later.", left) % {"n": left})
    return redirect("web:contest", workspace.pk, found.pk)


@require_POST
@workspace_view(Role.EDITOR)
def contest_answered(request: AuthedRequest, workspace: Workspace, contest_id: int,
                     winner_id: int) -> HttpResponseBase:
    found = get_object_or_404(_contests(workspace), pk=contest_id)
    pick = get_object_or_404(found.picks.select_related("entry"), pk=winner_id)
    if contest_winners.mark_answered(pick):
        messages.success(request, _("%(handle)s answered: confirmed.") % {"handle": pick.entry.handle})
    else:
        messages.error(request, _("Only a winner drawn or told can be marked as answered."))
    return redirect("web:contest", workspace.pk, found.pk)


@require_POST
@workspace_view(Role.EDITOR)
def contest_announce(request: AuthedRequest, workspace: Workspace, contest_id: int) -> HttpResponseBase:
    found = get_object_or_404(_contests(workspace), pk=contest_id)
    try:
        post = contest_winners.announce_draft(found, request.user)
    except contests.ContestError as exc:
        messages.error(request, exc.errors[0].message)
        return redirect("web:contest", workspace.pk, found.pk)
    messages.success(request, _("The announcement is a draft: read it, then schedule it."))
    return redirect("web:post_edit", workspace.pk, post.pk)


@require_POST
@workspace_view(Role.EDITOR)
def contest_delete(request: AuthedRequest, workspace: Workspace, contest_id: int) -> HttpResponseBase:
    found = get_object_or_404(_contests(workspace), pk=contest_id)
    if found.status != Contest.Status.DRAFT:
        messages.error(request, _("An open contest is kept: its entrants rely on it."))
        return redirect("web:contest", workspace.pk, found.pk)
    found.delete()
    messages.success(request, _("Draft “%(name)s” deleted.") % {"name": found.name})
    return redirect("web:contests", workspace.pk)

