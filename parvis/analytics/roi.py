"""Return on investment: the checks of what a CM enters (cost settings, conversion
sources) and the figures shown, the same for the web page and the API."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from parvis.accounts.models import Workspace
from parvis.analytics import conversions, costs, dashboard
from parvis.analytics.models import ConversionKind, ConversionSource
from parvis.core.http.errors import UnsafeURLError
from parvis.core.http.urls import normalise_base_url
from parvis.core.texts import shown

# What the settings may hold (the columns' bounds, and what makes sense).
MAX_DAY_RATE = Decimal("99999999.99")
MAX_HOURS_PER_DAY = Decimal(24)
MAX_MINUTES = 24 * 60  # a post, a reply, or one entry of time: at most a day
CURRENCY = re.compile(r"[A-Z]{3}")
READ_KINDS = (ConversionKind.MATOMO.value, ConversionKind.PLAUSIBLE.value)
SOURCE_KINDS = (*READ_KINDS, ConversionKind.WEBHOOK.value)
TOKEN_MAX = 500


# -- checks -------------------------------------------------------------------------------------


def check_currency(raw: str) -> str:
    """An ISO 4217 code (EUR, CHF, CAD), upper-cased; ConversionError names `currency`."""
    code = (raw or "").strip().upper()
    if not CURRENCY.fullmatch(code):
        raise conversions.ConversionError(_("Give a currency as three letters, such as EUR."), "currency")
    return code


def check_source(kind: str, values: dict[str, Any], source: ConversionSource | None = None) -> dict[str, Any]:
    """A source's fields checked and cleaned: `name`, and for Matomo and Plausible
    `base_url`, `site_id`, `goal`, `token` (required when the source has none yet).
    Fields left out of `values` keep the source's. ConversionError names the field."""
    def text(name: str, limit: int) -> str:
        raw = values.get(name, getattr(source, name, "") if source is not None else "")
        value = " ".join(str(raw if raw is not None else "").split())
        if len(value) > limit:
            raise conversions.ConversionError(_("At most %(max)d characters.") % {"max": limit}, name)
        return value

    out: dict[str, Any] = {"name": text("name", 120)}
    if kind not in READ_KINDS:
        return out
    base_url = text("base_url", 500)
    if not base_url:
        raise conversions.ConversionError(_("Give the address of your %(tool)s.") % {
            "tool": ConversionKind(kind).label}, "base_url")
    try:
        out["base_url"] = normalise_base_url(base_url.split("?", 1)[0].removesuffix("/index.php"))
    except UnsafeURLError as exc:
        raise conversions.ConversionError(exc.message, "base_url") from None
    if len(out["base_url"]) > 500:  # "https://" added
        raise conversions.ConversionError(_("At most %(max)d characters.") % {"max": 500}, "base_url")
    out["site_id"], out["goal"] = text("site_id", 200), text("goal", 200)
    if not out["site_id"]:
        raise conversions.ConversionError(_("This field is required."), "site_id")
    if kind == ConversionKind.MATOMO:
        if not out["site_id"].isdigit():
            raise conversions.ConversionError(_("Matomo's site id is a number (idSite), such as 3."), "site_id")
        if out["goal"] and not out["goal"].isdigit():
            raise conversions.ConversionError(_("Matomo's goal is a number (idGoal), such as 2; leave it empty "
                                                "for every goal."), "goal")
    token = str(values.get("token") or "").strip()
    if token:
        if len(token) > TOKEN_MAX or any(c.isspace() for c in token):
            raise conversions.ConversionError(_("This is not a token: copy it again from your %(tool)s.") % {
                "tool": ConversionKind(kind).label}, "token")
        out["token"] = token
    elif source is None or not has_token(source):
        raise conversions.ConversionError(_("Give the API token: parvis reads the conversions with it."), "token")
    return out


def add_source(workspace: Workspace, kind: str, values: dict[str, Any]) -> tuple[ConversionSource, str]:
    """A new source, checked (ConversionError names the field), and for a webhook its
    secret: the only time it is given out."""
    if kind not in SOURCE_KINDS:
        raise conversions.ConversionError(_("Choose Matomo, Plausible or a webhook."), "kind")
    checked = check_source(kind, values)
    if kind == ConversionKind.WEBHOOK:
        source = conversions.new_webhook_source(workspace, checked["name"])
        return source, str(source.secrets["webhook_secret"])
    token = checked.pop("token")
    return ConversionSource.objects.create(workspace=workspace, kind=kind, secrets={"token": token},
                                           **checked), ""


def change_source(source: ConversionSource, values: dict[str, Any]) -> ConversionSource:
    """Change a source's fields (those left out keep theirs; `enabled` too). A changed
    address, site, goal or token, or a source switched back on, is read again soon."""
    checked = check_source(source.kind, values, source)
    token = checked.pop("token", None)
    reread = token is not None or any(checked.get(k, getattr(source, k)) != getattr(source, k)
                                      for k in ("base_url", "site_id", "goal"))
    for key, value in checked.items():
        setattr(source, key, value)
    if "enabled" in values:
        reread = reread or (bool(values["enabled"]) and not source.enabled)
        source.enabled = bool(values["enabled"])
    if token is not None:
        source.secrets = {"token": token}
    if reread and source.kind in READ_KINDS:
        source.attempted_at, source.failures = None, 0
    source.save()
    return source


def has_token(source: ConversionSource) -> bool:
    try:
        return bool(isinstance(source.secrets, dict) and source.secrets.get("token"))
    except ValueError:  # encrypted with a key no longer configured
        return False


def source_error(source: ConversionSource) -> str:
    """The last sync's failure, in the reader's language."""
    return shown(source.last_error_text, source.last_error)


def hook_address(source: ConversionSource, request: Any = None) -> str:
    """Where the client's site posts (absolute, even without PARVIS_BASE_URL)."""
    url = conversions.hook_url(source)
    if not url.startswith(("http://", "https://")) and request is not None:
        url = request.build_absolute_uri(url)
    return url


def roi_figures(workspace: Workspace, period: dashboard.Period) -> dict[str, Any]:
    """What the page and the API show: the costs, the conversions per goal, the settings."""
    found = costs.cost([workspace.pk], period, workspace.tz)
    goals = conversions.totals([workspace.pk], period).goals
    return {**vars(found), "estimated": found.estimated, "start": period.start, "end": period.end,
            "goals": goals, "settings": costs.settings_of([workspace.pk])[workspace.pk]}
