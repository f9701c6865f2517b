"""The client report (the bilan): a workspace's figures over a period, gathered once,
described as slides (`render.Report`), then drawn as PDF, PowerPoint and Excel.

Sections are the CM's choice, in the order of `SECTIONS`. Each carries a commentary,
pre-filled from the figures in the report's language (`draft_commentary`) and edited by
the CM before it is sent. Every slide says when its figures were collected, and the top
posts each carry their own reading time: a client who asks "is this up to date?" reads
the answer on the page.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.analytics import best_time, charts, render
from parvis.analytics.dashboard import Dashboard, Period, PeriodError, add_competitors, build, check_years
from parvis.analytics.models import PostFigures
from parvis.analytics.report_parts import ALL_FORMATS, FORMATS, SECTIONS
from parvis.core.texts import WordedError

SECTION_NAMES = {
    "highlights": gettext_lazy("Highlights"),
    "audience": gettext_lazy("Audience"),
    "publications": gettext_lazy("Publications"),
    "top_posts": gettext_lazy("Top posts"),
    "inbox": gettext_lazy("Inbox and response times"),
    "veille": gettext_lazy("Veille and competitors"),
    "roi": gettext_lazy("Return on investment"),
    "recommendations": gettext_lazy("Recommendations"),
}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
WEEKDAY_NAMES = (gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"),
                 gettext_lazy("Thursday"), gettext_lazy("Friday"), gettext_lazy("Saturday"), gettext_lazy("Sunday"))
TOP_POSTS = 10
MIN_DAY_POSTS = 3  # a weekday is named in the commentary only with this many posts behind it
NOTABLE_LIFT = 10.0  # % above the period's mean, below which a weekday is not worth a sentence

Progress = Callable[[int, str], None]  # (percent done, what is being done)


class ReportError(WordedError, ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


# -- periods -------------------------------------------------------------------------------------

def parse_period(raw: str) -> Period:
    """A report's period as a person writes it: a month ("2026-11"), an ISO week
    ("2026-W47") or two dates ("2026-11-01..2026-11-30"). ReportError names `period`."""
    text = raw.strip()
    try:
        return check_years(_parsed_period(text), "period", "period")
    except PeriodError as exc:
        raise ReportError(str(exc), "period") from None


def _parsed_period(text: str) -> Period:
    try:
        if ".." in text:
            first, last = (date.fromisoformat(part.strip()) for part in text.split("..", 1))
            if last < first:
                raise ReportError(_("The end is before the start."), "period")
            return Period(first, last)
        if "-W" in text.upper():
            year, week = text.upper().split("-W", 1)
            start = date.fromisocalendar(int(year), int(week), 1)
            return Period(start, start + timedelta(days=6))
        year_text, month_text = text.split("-")
        return month_period(date(int(year_text), int(month_text), 1))
    except (ValueError, TypeError, OverflowError) as exc:  # OverflowError: a year of twenty digits
        if isinstance(exc, ReportError):
            raise
        raise ReportError(_("Give the period as 2026-11 (a month), 2026-W47 (a week) "
                            "or 2026-11-01..2026-11-30."), "period") from None


def month_period(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1))


def period_before(kind: Literal["week", "month"], day: date) -> Period:
    """The last whole week (Monday to Sunday) or calendar month before `day`: what a
    report delivered on `day` covers."""
    if kind == "week":
        monday = day - timedelta(days=day.weekday() + 7)
        return Period(monday, monday + timedelta(days=6))
    return month_period(day.replace(day=1) - timedelta(days=1))


# -- the figures, gathered once ---------------------------------------------------------------------

@dataclass
class Figures:
    """Everything a report shows, read once for all its sections and formats."""

    workspace: Any
    period: Period
    tz: ZoneInfo
    board: Dashboard
    weekdays: list[tuple[int, int, float]]  # (weekday, posts, mean interactions) over the period
    inbox: Any  # parvis.inbox.metrics.Figures
    inbox_days: list[tuple[date, float | None]]
    best: dict[str, best_time.BestTimes] = field(default_factory=dict)  # per account's name
    top: list[PostFigures] = field(default_factory=list)
    costs: Any = None  # parvis.analytics.costs.Costs
    day_rate_set: bool = False


def gather(workspace: Any, period: Period, now: datetime) -> Figures:
    """The workspace's figures over `period`, days cut in its own time zone."""
    from parvis.analytics import costs
    from parvis.analytics.models import CostSettings
    from parvis.inbox import metrics
    from parvis.networks.models import SocialAccount

    tz = workspace.tz
    board = add_competitors(build([workspace.pk], period, tz), workspace, tz)
    start, end = period.bounds(tz)
    in_period = PostFigures.objects.filter(workspace=workspace, published_at__gte=start, published_at__lt=end,
                                           readings__gt=0)
    by_day: dict[int, list[int]] = {}
    for published_at, interactions in in_period.values_list("published_at", "interactions"):
        by_day.setdefault(published_at.astimezone(tz).weekday(), []).append(interactions)
    weekdays = [(day, len(values), statistics.fmean(values)) for day, values in sorted(by_day.items())]
    top = list(in_period.select_related("account", "publication__post")
               .order_by("-interactions", "-published_at")[:TOP_POSTS])
    best = {str(account): best_time.for_account(account.pk, tz, now)
            for account in SocialAccount.objects.filter(workspace=workspace).order_by("network", "handle")}
    return Figures(workspace=workspace, period=period, tz=tz, board=board, weekdays=weekdays,
                   inbox=metrics.figures([workspace], start, min(end, now), now=now),
                   inbox_days=metrics.daily_medians_between(workspace, period.start, period.end, tz),
                   best=best, top=top, costs=costs.cost([workspace.pk], period, tz),
                   day_rate_set=CostSettings.objects.filter(workspace=workspace, day_rate__gt=0).exists())


# -- words --------------------------------------------------------------------------------------------

def number(value: float | int | None, language: str) -> str:
    return "—" if value is None else render.number_text(round(value, 1), language)


def percent(value: float | None, language: str, signed: bool = False) -> str:
    """"+38 %" in French (a narrow no-break space before the sign), "+38%" in English."""
    if value is None:
        return "—"
    text = render.number_text(round(value, 1), language)
    if signed and value > 0:
        text = "+" + text
    return text + ("\u202f%" if language == "fr" else "%")


def day_text(day: date, language: str) -> str:
    return day.strftime("%d/%m/%Y") if language == "fr" else day.strftime("%Y-%m-%d")


def moment_text(moment: datetime | None, tz: ZoneInfo, language: str) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(tz)
    return local.strftime("%d/%m/%Y %H:%M") if language == "fr" else local.strftime("%Y-%m-%d %H:%M")


def stamp(figures: Figures, language: str) -> str:
    """When the figures behind a slide were collected, in the workspace's zone."""
    return _("Figures collected up to %(moment)s (%(zone)s).") % {
        "moment": moment_text(figures.board.collected_at, figures.tz, language), "zone": figures.tz.key}


def draft_commentary(figures: Figures, language: str) -> dict[str, str]:
    """Each section's commentary, written from the figures in `language`, for the CM to
    edit: plain sentences a client reads, with the figures that back them."""
    with translation.override(language):
        return {name: " ".join(sentence for sentence in writer(figures, language) if sentence)
                for name, writer in _WRITERS.items()}


def _highlights(f: Figures, lang: str) -> list[str]:
    totals, change = f.board.totals, f.board.changes
    out = [_("Over the period, %(posts)s posts got %(interactions)s interactions (%(change)s against the period "
             "before).") % {"posts": number(totals.posts, lang), "interactions": number(totals.interactions, lang),
                            "change": percent(change["interactions"].percent, lang, signed=True)}
           if totals.posts else _("Nothing was published over the period.")]
    if totals.followers is not None and totals.followers_change is not None:
        out.append(_("The accounts have %(followers)s followers (%(change)s).") % {
            "followers": number(totals.followers, lang), "change": _signed(totals.followers_change, lang)})
    best = _best_weekday(f)
    if best is not None:
        day, lift, posts = best
        out.append(_("%(day)s posts got %(lift)s engagement against the period's average (%(posts)s posts).") % {
            "day": _weekday_plural(day), "lift": percent(lift, lang, signed=True), "posts": number(posts, lang)})
    return out


def _audience(f: Figures, lang: str) -> list[str]:
    gains = [(row.totals.followers_change, row.account) for row in f.board.accounts
             if row.totals.followers_change is not None]
    if not gains:
        return [_("No follower count was read over the period.")]
    change, name = max(gains)
    return [_("%(account)s changed the most: %(change)s followers.") % {
        "account": name, "change": _signed(change, lang)}]


def _publications(f: Figures, lang: str) -> list[str]:
    rated = [(row.totals.rate_followers_mean, row.account) for row in f.board.networks
             if row.totals.rate_followers_mean is not None]
    out = [_("%(posts)s posts, %(week)s a week.") % {"posts": number(f.board.totals.posts, lang),
                                                    "week": number(f.board.per_week, lang)}]
    if len(rated) > 1:
        rate, name = max(rated)
        out.append(_("%(network)s engaged the most: %(rate)s of followers per post on average.") % {
            "network": _network_label(name), "rate": percent(rate, lang)})
    return out


def _top_posts(f: Figures, lang: str) -> list[str]:
    if not f.top:
        return [_("No post of the period has figures yet.")]
    first = f.top[0]
    return [_("The best post, published on %(day)s on %(account)s, got %(interactions)s interactions.") % {
        "day": day_text(first.published_at.astimezone(f.tz).date(), lang), "account": str(first.account),
        "interactions": number(first.interactions, lang)}]


def _inbox(f: Figures, lang: str) -> list[str]:
    inbox = f.inbox
    if not inbox.items:
        return [_("No message came into the inbox over the period.")]
    out = [_("%(items)s messages received, %(answered)s answered; median first response in %(median)s minutes.") % {
        "items": number(inbox.items, lang), "answered": number(inbox.answered, lang),
        "median": number(inbox.median_minutes, lang)}]
    if inbox.within_target_share is not None:
        out.append(_("%(share)s answered within the target time.") % {
            "share": percent(inbox.within_target_share * 100, lang)})
    return out


def _veille(f: Figures, lang: str) -> list[str]:
    rivals = [s for s in f.board.competitors if s.posts]
    if not rivals:
        return [_("No competitor is followed in la veille, or none posted over the period.")]
    median = statistics.median(s.per_week for s in rivals)
    return [_("The brand posted %(brand)s times a week; its competitors, %(median)s (median of %(count)s).") % {
        "brand": number(f.board.per_week, lang), "median": number(median, lang), "count": number(len(rivals), lang)}]


def money(value: Any, currency: str, language: str) -> str:
    """"1 234,50 EUR" in French, "1,234.50 EUR" in English; "—" when unknown."""
    if value is None:
        return "—"
    text = f"{value:,.2f}"
    if language == "fr":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return f"{text}\u00a0{currency}".strip()


def _roi(f: Figures, lang: str) -> list[str]:
    c = f.costs
    if c is None or not f.day_rate_set:
        return [_("Set the day rate in the ROI page to see what a click, a conversion and an engagement cost.")]
    out = [_("%(hours)s hours of community management (%(entered)s entered, %(estimated)s estimated) cost "
             "%(cost)s.") % {"hours": number(c.hours, lang), "entered": number(c.hours_entered, lang),
                             "estimated": number(c.hours_estimated, lang), "cost": money(c.cost, c.currency, lang)}]
    out.append(_("That is %(click)s per click, %(conversion)s per conversion and %(engagement)s per engagement.") % {
        "click": money(c.per_click, c.currency, lang), "conversion": money(c.per_conversion, c.currency, lang),
        "engagement": money(c.per_engagement, c.currency, lang)})
    return out


def _recommendations(f: Figures, lang: str) -> list[str]:
    out = []
    for name, found in f.best.items():
        if found.enough and found.best:
            cell = found.best[0]
            out.append(_("On %(account)s, post on %(day)s between %(start)s and %(end)s: %(lift)s engagement "
                         "against the account's usual post (%(posts)s posts).") % {
                "account": name, "day": str(WEEKDAY_NAMES[cell.weekday]).lower(),
                "start": cell.starts.strftime("%H:%M"), "end": cell.ends.strftime("%H:%M"),
                "lift": percent(cell.lift, lang, signed=True), "posts": number(cell.posts, lang)})
    return out or [_("Not enough posts yet to recommend times to post.")]


_WRITERS: dict[str, Callable[[Figures, str], list[str]]] = {
    "highlights": _highlights, "audience": _audience, "publications": _publications, "top_posts": _top_posts,
    "inbox": _inbox, "veille": _veille, "roi": _roi, "recommendations": _recommendations,
}


def _signed(value: int | float, language: str) -> str:
    return ("+" if value > 0 else "") + number(value, language)


def _weekday_plural(day: int) -> str:
    return [_("Monday's"), _("Tuesday's"), _("Wednesday's"), _("Thursday's"), _("Friday's"), _("Saturday's"),
            _("Sunday's")][day]


def _best_weekday(f: Figures) -> tuple[int, float, int] | None:
    """The weekday whose posts did best against the period's mean, when it is clear
    enough to write down."""
    total = sum(posts for _day, posts, _mean in f.weekdays)
    if not total:
        return None
    overall = sum(posts * mean for _day, posts, mean in f.weekdays) / total
    candidates = [(mean / overall * 100 - 100, day, posts) for day, posts, mean in f.weekdays
                  if posts >= MIN_DAY_POSTS and overall > 0]
    if not candidates:
        return None
    lift, day, posts = max(candidates)
    return (day, lift, posts) if lift >= NOTABLE_LIFT else None


def _network_label(network: str) -> str:
    from parvis.networks import registry

    return registry.get(network).label if network in registry.NETWORKS else network


# -- slides -------------------------------------------------------------------------------------------

@dataclass
class Brand:
    """Whose report it is: the agency's logo and colour, and the client's."""

    accent: str = render.DEFAULT_ACCENT
    logo: bytes | None = None  # the agency's
    client_logo: bytes | None = None
    template: bytes | None = None  # the agency's PowerPoint template


def compose(figures: Figures, sections: Sequence[str], commentary: dict[str, str], language: str,
            brand: Brand | None = None) -> render.Report:
    """The report as slides, in `language`, with the CM's commentary for each section."""
    brand = brand or Brand()
    with translation.override(language):
        title = _("%(workspace)s — report from %(start)s to %(end)s") % {
            "workspace": figures.workspace.name, "start": day_text(figures.period.start, language),
            "end": day_text(figures.period.end, language)}
        slides = []
        for name in SECTIONS:
            if name in sections:
                slide = _SLIDES[name](figures, language)
                text = commentary.get(name, "").strip()
                slide.paragraphs = ([text] if text else []) + slide.paragraphs + [stamp(figures, language)]
                slides.append(slide)
        return render.Report(title=title, slides=slides, accent=brand.accent, logo=brand.logo,
                             client_logo=brand.client_logo, language="fr" if language == "fr" else "en")


def _day_labels(figures: Figures) -> list[str]:
    return [formats.date_format(day, "j M") for day in figures.board.days]


def _highlights_slide(f: Figures, lang: str) -> render.Slide:
    rows: list[list[render.Cell]] = [[_("Figure"), _("Period"), _("Period before"), _("Change")]]
    shown = (("posts", _("Posts")), ("interactions", _("Interactions")), ("views", _("Views")),
             ("clicks", _("Clicks")), ("followers", _("Followers")),
             ("rate_followers_total", _("Engagement rate by followers (total ÷ total), %")),
             ("rate_views_total", _("Engagement rate by views (total ÷ total), %")))
    for key, label in shown:
        change = f.board.changes[key]
        rows.append([label, change.value, change.before,
                     percent(change.percent, lang, signed=True) if change.percent is not None else None])
    rows.append([_("Clicks on short links"), f.board.link_clicks, None, None])
    return render.Slide(str(SECTION_NAMES["highlights"]), table=rows)


def _audience_slide(f: Figures, lang: str) -> render.Slide:
    chart = charts.Chart("line", _("Followers"), _day_labels(f),
                         [charts.ChartSeries(s.name, s.values) for s in f.board.followers])
    rows: list[list[render.Cell]] = [[_("Account"), _("Followers"), _("Change")]]
    rows += [[row.account, row.totals.followers, row.totals.followers_change] for row in f.board.accounts]
    return render.Slide(str(SECTION_NAMES["audience"]), chart=chart, table=rows)


def _publications_slide(f: Figures, lang: str) -> render.Slide:
    chart = charts.Chart("bar", _("Interactions of the day's posts"), _day_labels(f),
                         [charts.ChartSeries(_("Interactions"), [float(v) for v in f.board.activity["interactions"]])])
    rows: list[list[render.Cell]] = [[_("Network"), _("Posts"), _("Interactions"), _("Views"),
                                      _("Rate by followers (mean of posts), %"), _("Rate by views (mean of posts), %")]]
    rows += [[_network_label(row.network), row.totals.posts, row.totals.interactions, row.totals.views,
              row.totals.rate_followers_mean, row.totals.rate_views_mean] for row in f.board.networks]
    return render.Slide(str(SECTION_NAMES["publications"]), chart=chart, table=rows)


def _top_posts_slide(f: Figures, lang: str) -> render.Slide:
    rows: list[list[render.Cell]] = [[_("Published"), _("Account"), _("Post"), _("Interactions"), _("Views"),
                                      _("Collected")]]
    for figures in f.top:
        text = " ".join(figures.publication.post.text.split())
        rows.append([moment_text(figures.published_at, f.tz, lang), str(figures.account),
                     text if len(text) <= 90 else text[:89] + "…", figures.interactions, figures.views,
                     moment_text(figures.taken_at, f.tz, lang)
                     + (" " + _("(provisional)") if figures.provisional else "")])
    return render.Slide(str(SECTION_NAMES["top_posts"]), table=rows)


def _inbox_slide(f: Figures, lang: str) -> render.Slide:
    inbox = f.inbox
    chart = charts.Chart("line", _("Median first response (minutes)"), _day_labels(f),
                         [charts.ChartSeries(_("Minutes"), [value for _day, value in f.inbox_days])], unit="min")
    rows: list[list[render.Cell]] = [
        [_("Figure"), _("Value")], [_("Messages received"), inbox.items], [_("Answered"), inbox.answered],
        [_("Median first response (minutes)"), inbox.median_minutes],
        [_("9 in 10 answered within (minutes)"), inbox.p90_minutes],
        [_("Answered within the target time"), percent(inbox.within_target_share * 100, lang)
         if inbox.within_target_share is not None else None],
        [_("Waiting beyond the target now"), inbox.overdue]]
    return render.Slide(str(SECTION_NAMES["inbox"]), chart=None if chart.empty else chart, table=rows)


def _veille_slide(f: Figures, lang: str) -> render.Slide:
    rows: list[list[render.Cell]] = [[_("Who"), _("Posts"), _("A week"), _("Interactions per post"),
                                      _("Rate by followers (mean of posts), %"), _("Followers"), _("Change")]]
    rows.append([f.workspace.name, f.board.totals.posts, f.board.per_week, f.board.interactions_mean,
                 f.board.totals.rate_followers_mean, f.board.totals.followers, f.board.totals.followers_change])
    rows += [[s.competitor.name, s.posts, s.per_week, s.interactions_mean, s.rate_mean, s.followers,
              s.followers_change] for s in f.board.competitors]
    return render.Slide(str(SECTION_NAMES["veille"]), table=rows)


def _roi_slide(f: Figures, lang: str) -> render.Slide:
    c = f.costs
    if c is None:
        return render.Slide(str(SECTION_NAMES["roi"]))
    rows: list[list[render.Cell]] = [
        [_("Figure"), _("Value")],
        [_("Hours entered"), float(c.hours_entered)], [_("Hours estimated"), float(c.hours_estimated)],
        [_("Cost"), money(c.cost, c.currency, lang) if f.day_rate_set else None],
        [_("Clicks"), c.clicks], [_("Conversions"), c.conversions],
        [_("Value of the conversions"), money(c.conversion_value, c.currency, lang)
         if c.conversion_value is not None else None],
        [_("Interactions"), c.interactions]]
    if f.day_rate_set:
        rows += [[_("Cost per click"), money(c.per_click, c.currency, lang)],
                 [_("Cost per conversion"), money(c.per_conversion, c.currency, lang)],
                 [_("Cost per engagement"), money(c.per_engagement, c.currency, lang)]]
    return render.Slide(str(SECTION_NAMES["roi"]), table=rows)


def _recommendations_slide(f: Figures, lang: str) -> render.Slide:
    rows: list[list[render.Cell]] = [[_("Account"), _("Day"), _("From"), _("To"), _("Against the usual post"),
                                      _("Posts")]]
    for name, found in f.best.items():
        for cell in found.best if found.enough else []:
            rows.append([name, str(WEEKDAY_NAMES[cell.weekday]), cell.starts.strftime("%H:%M"),
                         cell.ends.strftime("%H:%M"), percent(cell.lift, lang, signed=True), cell.posts])
    return render.Slide(str(SECTION_NAMES["recommendations"]), table=rows if len(rows) > 1 else [])


_SLIDES: dict[str, Callable[[Figures, str], render.Slide]] = {
    "highlights": _highlights_slide, "audience": _audience_slide, "publications": _publications_slide,
    "top_posts": _top_posts_slide, "inbox": _inbox_slide, "veille": _veille_slide, "roi": _roi_slide,
    "recommendations": _recommendations_slide,
}


# -- files --------------------------------------------------------------------------------------------

def draw(report: render.Report, formats_: Iterable[str], template: bytes | None = None,
         progress: Progress | None = None) -> dict[str, bytes]:
    """The report in each format asked for, in `ALL_FORMATS` order."""
    from parvis.analytics.render import pdf, pptx, xlsx

    wanted = [name for name in ALL_FORMATS if name in set(formats_)]
    drawers: dict[str, Callable[[], bytes]] = {
        "pdf": lambda: pdf.render(report), "pptx": lambda: pptx.render(report, template),
        "xlsx": lambda: xlsx.render(report), "csv": lambda: xlsx.csv_for_french_excel(table_rows(report))}
    out = {}
    for number_, name in enumerate(wanted):
        if progress:
            progress(40 + 60 * number_ // max(len(wanted), 1), _("Drawing the %(format)s") % {"format": name.upper()})
        out[name] = drawers[name]()
    return out


def check_sections(sections: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(sections))
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown or not chosen:
        raise ReportError(_("Choose sections among: %(names)s.") % {"names": ", ".join(SECTIONS)}, "sections")
    return [name for name in SECTIONS if name in chosen]


def check_formats(names: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(names))
    if not chosen or any(name not in ALL_FORMATS for name in chosen):
        raise ReportError(_("Choose formats among: %(names)s.") % {"names": ", ".join(ALL_FORMATS)}, "formats")
    return [name for name in ALL_FORMATS if name in chosen]


def table_rows(report: render.Report) -> list[list[render.Cell]]:
    """Every slide's table one under the other, each under its heading and followed by an
    empty line: the CSV a CM opens in Excel to rework the figures."""
    rows: list[list[render.Cell]] = []
    for slide in report.slides:
        if slide.table:
            rows += [[slide.heading], *slide.table, []]
    return rows


@dataclass
class Made:
    """A report as drawn: its files, the commentary they hold, and when their figures
    were collected."""

    files: dict[str, bytes]
    commentary: dict[str, str]
    collected_at: datetime | None


def produce(workspace: Any, period: Period, now: datetime, *, sections: Sequence[str] = SECTIONS,
            formats_: Sequence[str] = FORMATS, language: str | None = None,
            commentary: dict[str, str] | None = None, brand: Brand | None = None,
            progress: Progress | None = None) -> Made:
    """One report from start to end: figures, commentary (pre-filled where the CM wrote
    none), slides, files. PeriodError/ReportError name what to correct."""
    if period.days > 366:
        raise PeriodError(_("A period is at most %(days)s days.") % {"days": 366}, "period")
    language = language or workspace.language
    with translation.override(language):
        if progress:
            progress(5, _("Reading the figures"))
        figures = gather(workspace, period, now)
        if progress:
            progress(30, _("Writing the commentary"))
        words = draft_commentary(figures, language) | {k: v for k, v in (commentary or {}).items() if v.strip()}
        report = compose(figures, check_sections(sections), words, language, brand)
        files = draw(report, check_formats(formats_), brand.template if brand else None, progress)
    if progress:
        progress(100, _("Done"))
    return Made(files, words, figures.board.collected_at)


def make(workspace: Any, period: Period, now: datetime, **options: Any) -> dict[str, bytes]:
    """`produce`'s files alone (the command line, the benchmark)."""
    return produce(workspace, period, now, **options).files
