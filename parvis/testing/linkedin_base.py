"""The common part of the LinkedIn loopback fake (`linkedin_server.LocalLinkedIn`): its
clock, members and organisations, OAuth, the version/protocol/token gate every /rest/ call
passes, daily throttles and LinkedIn's error shapes. See linkedin_server.py for the
version followed, sources and known differences.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import json
import secrets
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from parvis.testing.fake_network import FakeNetwork, Refusal, Request, Response

DAY = 86_400
ACCESS_TOKEN_TTL = 60 * DAY  # MS programmatic-refresh-tokens: 60 days
REFRESH_TOKEN_TTL = 365 * DAY  # from the first authorization; refreshing does not reset it
CODE_TTL = 30 * 60

MEMBER_SCOPES = ("openid", "profile", "email", "w_member_social", "r_member_postAnalytics")
ORGANIZATION_SCOPES = ("w_organization_social", "r_organization_social", "w_organization_social_feed",
                       "r_organization_social_feed", "rw_organization_admin", "r_organization_admin")
DEFAULT_SCOPES = MEMBER_SCOPES + ORGANIZATION_SCOPES


def li_error(status: int, code: str | None, message: str, service_code: int | None = None,
             headers: dict[str, str] | None = None) -> Refusal:
    """LinkedIn's versioned error body: {status, serviceErrorCode?, code?, message}."""
    body: dict[str, Any] = {"status": status}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    if code is not None:
        body["code"] = code
    body["message"] = message
    return Refusal(status, body, headers)


def schema_error(path: str, problem: str) -> Refusal:
    """Rest.li's 422 for a body that does not fit the schema."""
    return Refusal(422, {"message": f"ERROR :: {path} :: {problem}\n", "status": 422})


def required(body: dict[str, Any], *names: str) -> None:
    for name in names:
        if name not in body:
            raise schema_error(f"/{name}", "field is required but not found and has no default value")


def urn_key(raw: str) -> str:
    """A URN path key. Rest.li 2.0 wants it percent-encoded; a raw one is refused."""
    if ":" in raw:
        raise li_error(400, "ILLEGAL_ARGUMENT", f"Invalid key: {raw} (URN keys must be URL-encoded)")
    return unquote(raw)


def restli_list(value: str) -> list[str]:
    """`List(a,b)` as its items (each percent-decoded once more, as Rest.li encodes them inside)."""
    if not (value.startswith("List(") and value.endswith(")")):
        raise li_error(400, "ILLEGAL_ARGUMENT", f"Invalid list value: {value}")
    inner = value[5:-1]
    return [unquote(item) for item in inner.split(",") if item]


def person_id(name: str, number: int) -> str:
    """A person id in LinkedIn's form (10 URL-safe characters, e.g. ``zLqTygBP8S``)."""
    digest = hashlib.sha256(f"{name}/{number}".encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(alphabet[b % 64] for b in digest[:10])


@dataclass
class Member:
    id: str
    name: str
    token: str  # an access token made for tests (as the Developer Portal's token generator does)
    email: str = ""

    @property
    def urn(self) -> str:
        return f"urn:li:person:{self.id}"


@dataclass
class Organization:
    id: int
    name: str
    vanity_name: str
    roles: dict[str, set[str]] = field(default_factory=dict)  # person URN -> roles (ADMINISTRATOR, …)
    followers: int = 0
    logo: str = ""  # a digitalmediaAsset URN

    @property
    def urn(self) -> str:
        return f"urn:li:organization:{self.id}"

    def has_role(self, member_urn: str, *roles: str) -> bool:
        return bool(self.roles.get(member_urn, set()) & set(roles))


@dataclass
class Token:
    value: str
    member: Member
    scopes: frozenset[str]
    created: float
    expires_at: float
    revoked: bool = False
    kind: str = "access"  # or "refresh"
    authorized_at: float = 0.0  # the refresh token's first authorization


@dataclass
class Caller:
    """Who a /rest/ request acts as."""
    member: Member
    token: Token
    version: str


@dataclass
class DailyLimit:
    method: str
    path: str  # fnmatch pattern
    app: int | None
    member: int | None
    used: dict[tuple[int, str], int] = field(default_factory=dict)  # (day, member URN or "*") -> calls


RestHandler = Callable[..., Response]


class LinkedInBase(FakeNetwork):
    name = "linkedin"
    VERSION = "202610"
    # Released versions not yet sunset on 2026-12-06 by the one-year rule (MS migrations
    # table: YYYYMM is sunset around the 15th of the same month a year later).
    ACTIVE_VERSIONS = tuple(f"{year}{month:02d}" for year, month in [(2025, 12)] + [(2026, m) for m in range(1, 11)])

    def __init__(self, *, versions: Iterable[str] | None = None, client_id: str = "parvis-test-app",
                 client_secret: str = "parvis-test-secret") -> None:  # noqa: S107 - a fake app's
        super().__init__()
        self.versions = set(versions if versions is not None else self.ACTIVE_VERSIONS)
        self.client_id = client_id
        self.client_secret = client_secret
        self.offset = 0.0
        self.started = time.time()
        self.members: dict[str, Member] = {}  # by URN
        self.organizations: dict[int, Organization] = {}
        self.tokens: dict[str, Token] = {}  # access and refresh tokens, by value
        self.codes: dict[str, tuple[Token, str, float]] = {}  # code -> (grant, redirect_uri, expires)
        self.signed_in: Member | None = None  # who consents on /oauth/v2/authorization
        self.limits: list[DailyLimit] = []
        self.numbers = itertools.count(1)
        self.errors: list[Exception] = []  # the fake's own failures (answered 500), for tests to check
        self.route("POST", r"/oauth/v2/accessToken", self.access_token)
        self.route("GET", r"/oauth/v2/authorization", self.authorization)
        self.route("POST", r"/oauth/v2/introspectToken", self.introspect)
        self.route("GET", r"/v2/userinfo", self.userinfo)
        self.rest_route("GET", r"/rest/organizationAcls", self.organization_acls)
        self.rest_route("GET", r"/rest/organizations/(?P<org_id>\d+)", self.organization)

    # -- clock ---------------------------------------------------------------------------
    def now(self) -> float:
        return self.started + self.offset

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def advance(self, seconds: float) -> None:
        """Move the fake clock: tokens, upload URLs and daily throttles follow it."""
        with self.lock:
            self.offset += seconds

    def next_number(self) -> int:
        return next(self.numbers)

    # -- test helpers: identities --------------------------------------------------------
    def add_member(self, name: str, *, scopes: Collection[str] = DEFAULT_SCOPES, email: str = "") -> Member:
        """A LinkedIn member with an access token holding `scopes` (60 days, no refresh token)."""
        with self.lock:
            number = self.next_number()
            member = Member(person_id(name, number), name, "",
                            email or f"{name.lower().replace(' ', '.')}@example.org")
            self.members[member.urn] = member
            member.token = self.issue(member, scopes).value
            return member

    def add_organization(self, name: str, *, admins: Iterable[Member] = (), vanity_name: str = "",
                         followers: int = 0) -> Organization:
        with self.lock:
            number = 10_000_000 + self.next_number()
            org = Organization(number, name, vanity_name or name.lower().replace(" ", "-"), followers=followers,
                               logo=f"urn:li:digitalmediaAsset:C4D0BAQ{number}")
            for admin in admins:
                org.roles.setdefault(admin.urn, set()).add("ADMINISTRATOR")
            self.organizations[number] = org
            return org

    def grant_role(self, member: Member, org: Organization, role: str = "ADMINISTRATOR") -> None:
        with self.lock:
            org.roles.setdefault(member.urn, set()).add(role)

    def revoke_role(self, member: Member, org: Organization, role: str = "ADMINISTRATOR") -> None:
        with self.lock:
            org.roles.get(member.urn, set()).discard(role)

    def organization_by_urn(self, urn: str) -> Organization | None:
        if not urn.startswith("urn:li:organization:"):
            return None
        number = urn.rsplit(":", 1)[1]
        return self.organizations.get(int(number)) if number.isdigit() else None

    def entity_exists(self, urn: str) -> bool:
        return urn in self.members or self.organization_by_urn(urn) is not None

    # -- test helpers: tokens ------------------------------------------------------------
    def issue(self, member: Member, scopes: Collection[str], *, kind: str = "access",
              authorized_at: float | None = None) -> Token:
        ttl = ACCESS_TOKEN_TTL if kind == "access" else REFRESH_TOKEN_TTL
        now = self.now()
        prefix = "AQV" if kind == "access" else "AQX"
        token = Token(prefix + secrets.token_urlsafe(40), member, frozenset(scopes), now, now + ttl, kind=kind,
                      authorized_at=now if authorized_at is None else authorized_at)
        self.tokens[token.value] = token
        return token

    def authorize(self, member: Member, *, scopes: Collection[str] = DEFAULT_SCOPES,
                  redirect_uri: str = "http://127.0.0.1/callback") -> str:
        """The member consents on LinkedIn's page: an authorization code for the app."""
        with self.lock:
            code = "AQT" + secrets.token_urlsafe(30)
            grant = Token("", member, frozenset(scopes), self.now(), self.now())
            self.codes[code] = (grant, redirect_uri, self.now() + CODE_TTL)
            return code

    def sign_in(self, member: Member | None) -> None:
        """The member whose browser reaches /oauth/v2/authorization (None: nobody consents)."""
        self.signed_in = member

    def expire_token(self, token: str) -> None:
        """An access or refresh token reaches its end of life now."""
        with self.lock:
            self.tokens[token].expires_at = self.now() - 1

    def revoke_token(self, token: str) -> None:
        """The member revokes the app (both kinds of token stop working)."""
        with self.lock:
            self.tokens[token].revoked = True

    def limit_daily(self, *, app: int | None = None, member: int | None = None, method: str = "*",
                    path: str = "/rest/*") -> DailyLimit:
        """A per-application and/or per-member daily call limit on matching /rest/ calls,
        reset at midnight UTC (fake clock), answered 429 as LinkedIn does."""
        limit = DailyLimit(method, path, app, member)
        with self.lock:
            self.limits.append(limit)
        return limit

    def throttle_next(self, level: str = "APPLICATION", *, method: str = "*", path: str = "/rest/*",
                      count: int = 1) -> None:
        """The next matching call is refused with the daily-throttle 429 (nothing happens)."""
        self.fail_next(429, throttle_body(level), method=method, path=path, count=count)

    # -- errors --------------------------------------------------------------------------
    def error_body(self, status: int) -> Any:
        known = {
            400: (None, "ILLEGAL_ARGUMENT", "Bad request"),
            401: (65600, "INVALID_ACCESS_TOKEN", "Invalid access token"),
            403: (100, "ACCESS_DENIED", "Not enough permissions to access this resource"),
            404: (0, "RESOURCE_NOT_FOUND", "Not found"),
            429: None,
            500: (None, "INTERNAL_SERVER_ERROR", "Internal Server Error"),
            503: (None, "SERVICE_UNAVAILABLE", "Service Unavailable"),
            504: (None, "GATEWAY_TIMEOUT", "Gateway Timeout"),
        }
        if status == 429:
            return throttle_body("APPLICATION")
        service_code, code, message = known.get(status) or (None, None, "Error")
        return li_error(status, code, message, service_code).response.body

    def handle(self, request: Request) -> Response:
        try:
            return super().handle(request)
        except json.JSONDecodeError as error:
            return li_error(400, "ILLEGAL_ARGUMENT", f"Invalid JSON body: {error}").response
        except Exception as error:  # a bug of the fake must not look like a lost answer
            self.errors.append(error)
            return li_error(500, "INTERNAL_SERVER_ERROR", "Internal Server Error").response

    def not_found(self, request: Request) -> Response:
        return li_error(404, "RESOURCE_NOT_FOUND", "No virtual resource found", 0).response

    def common_headers(self, request: Request) -> dict[str, str]:
        return {"X-RestLi-Protocol-Version": "2.0.0", "x-li-responseorigin": "RGW"}

    # -- the gate every /rest/ call passes ----------------------------------------------
    def rest_route(self, method: str, pattern: str, handler: RestHandler) -> None:
        def gated(request: Request, **groups: str) -> Response:
            return handler(request, self.gate(request), **groups)
        self.route(method, pattern, gated)

    def gate(self, request: Request) -> Caller:
        version = self.check_version(request)
        if request.header("X-Restli-Protocol-Version") != "2.0.0":
            raise li_error(400, "ILLEGAL_ARGUMENT",
                           "X-Restli-Protocol-Version 2.0.0 is required for versioned APIs")
        token = self.bearer_token(request)
        self.count_call(request, token.member)
        return Caller(token.member, token, version)

    def check_version(self, request: Request) -> str:
        sent = request.header("LinkedIn-Version").strip()
        if not sent:
            raise li_error(400, "VERSION_MISSING",
                           "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                           headers={"X-Restli-Gateway-Error": "true"})
        base = sent.split(".", 1)[0]  # sub-releases look like 202508.02
        if base not in self.versions:
            shown = base + "01" if len(base) == 6 and base.isdigit() else sent
            raise li_error(426, "NONEXISTENT_VERSION", f"Requested version {shown} is not active")
        return base

    def bearer_token(self, request: Request) -> Token:
        token = self.tokens.get(request.bearer())
        if token is None or token.kind != "access":
            raise li_error(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)
        if token.revoked:
            raise li_error(401, "REVOKED_ACCESS_TOKEN", "The token used in the request has been revoked by the user",
                           65601)
        if token.expires_at <= self.now():
            raise li_error(401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired", 65602)
        return token

    def count_call(self, request: Request, member: Member) -> None:
        day = int(self.now() // DAY)
        for limit in self.limits:
            if limit.method not in ("*", request.method) or not fnmatch.fnmatchcase(request.path, limit.path):
                continue
            for level, key, allowed in (("APPLICATION", "*", limit.app), ("MEMBER", member.urn, limit.member)):
                if allowed is not None and limit.used.get((day, key), 0) >= allowed:
                    raise Refusal(429, throttle_body(level))
            for key in ("*", member.urn):
                limit.used[(day, key)] = limit.used.get((day, key), 0) + 1

    def need_scope(self, caller: Caller, resource: str, method: str, *any_of: str) -> None:
        if not caller.token.scopes & set(any_of):
            raise self.access_denied(caller, resource, method)

    def need_role(self, caller: Caller, org_urn: str, resource: str, method: str,
                  roles: tuple[str, ...] = ("ADMINISTRATOR",)) -> Organization:
        org = self.organization_by_urn(org_urn)
        if org is None or not org.has_role(caller.member.urn, *roles):
            raise self.access_denied(caller, resource, method)
        return org

    def access_denied(self, caller: Caller, resource: str, method: str) -> Refusal:
        return li_error(403, "ACCESS_DENIED",
                        f"Not enough permissions to access: {resource}.{method}.{caller.version}01", 100)

    def act_as(self, caller: Caller, actor: str, resource: str, method: str, *, member_scopes: tuple[str, ...],
               org_scopes: tuple[str, ...], roles: tuple[str, ...] = ("ADMINISTRATOR",)) -> None:
        """The caller may act as `actor` (themself, or an organisation they hold a role in)."""
        if actor == caller.member.urn:
            self.need_scope(caller, resource, method, *member_scopes)
        elif actor.startswith("urn:li:organization:"):
            self.need_scope(caller, resource, method, *org_scopes)
            self.need_role(caller, actor, resource, method, roles)
        else:
            raise self.access_denied(caller, resource, method)

    # -- OAuth (www.linkedin.com/oauth/v2) -----------------------------------------------
    def authorization(self, request: Request) -> Response:
        redirect_uri = request.query.get("redirect_uri", "")
        state = request.query.get("state", "")
        if request.query.get("client_id") != self.client_id or not redirect_uri:
            return Response(400, b"invalid client_id or redirect_uri", {"Content-Type": "text/plain"})
        if self.signed_in is None:
            query = {"error": "user_cancelled_authorize", "error_description": "The user cancelled the authorization",
                     "state": state}
        else:
            scopes = request.query.get("scope", "").replace(",", " ").split()
            query = {"code": self.authorize(self.signed_in, scopes=scopes or DEFAULT_SCOPES,
                                            redirect_uri=redirect_uri), "state": state}
        return Response(302, b"", {"Location": f"{redirect_uri}?{urlencode(query)}"})

    def access_token(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            raise Refusal(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return self.exchange_code(form)
        if grant_type == "refresh_token":
            return self.refresh(form)
        raise Refusal(400, {"error": "unsupported_grant_type",
                            "error_description": f"grant_type {grant_type!r} is not supported"})

    def exchange_code(self, form: dict[str, str]) -> Response:
        entry = self.codes.pop(form.get("code", ""), None)
        if entry is None or entry[2] <= self.now():
            raise Refusal(400, {"error": "invalid_request",
                                "error_description": "Unable to retrieve access token: appid/redirect uri/code "
                                                     "verifier does not match authorization code. Or authorization "
                                                     "code expired. Or external member binding exists"})
        grant, redirect_uri, _ = entry
        if form.get("redirect_uri") != redirect_uri:
            raise Refusal(400, {"error": "invalid_redirect_uri",
                                "error_description": "Unable to retrieve access token: redirect_uri does not match"})
        access = self.issue(grant.member, grant.scopes)
        refresh = self.issue(grant.member, grant.scopes, kind="refresh")
        return Response(200, self.token_answer(access, refresh))

    def refresh(self, form: dict[str, str]) -> Response:
        refresh = self.tokens.get(form.get("refresh_token", ""))
        if refresh is None or refresh.kind != "refresh" or refresh.revoked or refresh.expires_at <= self.now():
            raise Refusal(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
        access = self.issue(refresh.member, refresh.scopes)
        return Response(200, self.token_answer(access, refresh))

    def token_answer(self, access: Token, refresh: Token) -> dict[str, Any]:
        return {"access_token": access.value, "expires_in": int(access.expires_at - self.now()),
                "refresh_token": refresh.value, "refresh_token_expires_in": int(refresh.expires_at - self.now()),
                "scope": ",".join(sorted(access.scopes))}

    def introspect(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            raise Refusal(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        token = self.tokens.get(form.get("token", ""))
        if token is None:
            return Response(200, {"active": False})
        status = "revoked" if token.revoked else "expired" if token.expires_at <= self.now() else "active"
        return Response(200, {"active": status == "active", "client_id": self.client_id, "status": status,
                              "authorized_at": int(token.authorized_at), "created_at": int(token.created),
                              "expires_at": int(token.expires_at), "scope": ",".join(sorted(token.scopes)),
                              "auth_type": "3L"})

    # -- identity ------------------------------------------------------------------------
    def userinfo(self, request: Request) -> Response:
        token = self.bearer_token(request)
        if not {"openid", "profile"} <= token.scopes:
            raise li_error(403, "ACCESS_DENIED", "Not enough permissions to access: userinfo.GET.NO_VERSION", 100)
        member = token.member
        given, _, family = member.name.partition(" ")
        body: dict[str, Any] = {"sub": member.id, "name": member.name, "given_name": given, "family_name": family,
                                "picture": f"{self.url}/dms/image/profile-{member.id}",
                                "locale": {"country": "US", "language": "en"}}
        if "email" in token.scopes:
            body.update(email=member.email, email_verified=True)
        return Response(200, body)

    def organization_acls(self, request: Request, caller: Caller) -> Response:
        if request.query.get("q") != "roleAssignee":
            raise li_error(400, "ILLEGAL_ARGUMENT", "Unsupported finder: q=" + request.query.get("q", ""))
        self.need_scope(caller, "organizationAcls", "FINDER-roleAssignee", "rw_organization_admin",
                        "r_organization_admin", "w_organization_social", "r_organization_social")
        wanted_role = request.query.get("role")
        wanted_state = request.query.get("state", "APPROVED")
        elements = [
            {"roleAssignee": caller.member.urn, "state": "APPROVED", "role": role, "organization": org.urn}
            for org in self.organizations.values()
            for role in sorted(org.roles.get(caller.member.urn, set()))
            if wanted_role in (None, role) and wanted_state == "APPROVED"
        ]
        return Response(200, page(request, elements))

    def organization(self, request: Request, caller: Caller, org_id: str) -> Response:
        org = self.organizations.get(int(org_id))
        if org is None:
            raise li_error(404, "RESOURCE_NOT_FOUND", f"Organization {org_id} does not exist", 0)
        return Response(200, {
            "id": org.id, "localizedName": org.name, "vanityName": org.vanity_name,
            "name": {"localized": {"en_US": org.name}, "preferredLocale": {"country": "US", "language": "en"}},
            "logoV2": {"original": org.logo, "cropped": org.logo,
                       "cropInfo": {"x": 0, "y": 0, "width": 0, "height": 0}},
            "primaryOrganizationType": "NONE",
        })


def throttle_body(level: str) -> dict[str, Any]:
    """The daily-throttle 429 (no `code` field: none is confirmed for it)."""
    return {"status": 429, "serviceErrorCode": 101,
            "message": f"Resource level throttle {level} DAY limit for calls to this resource is reached."}


def page(request: Request, elements: list[Any], *, default_count: int = 10) -> dict[str, Any]:
    """A Rest.li collection page from `start`/`count`, with a next link when there is more."""
    try:
        start = int(request.query.get("start", 0) or 0)
        count = min(int(request.query.get("count", default_count) or default_count), 100)
    except ValueError as error:
        raise li_error(400, "ILLEGAL_ARGUMENT", f"Invalid paging parameter: {error}") from error
    body: dict[str, Any] = {"paging": {"start": start, "count": count, "links": [], "total": len(elements)},
                            "elements": elements[start:start + count]}
    if start + count < len(elements):
        query = {**request.query, "start": str(start + count), "count": str(count)}
        body["paging"]["links"].append({"rel": "next", "type": "application/json",
                                        "href": f"{request.path}?{urlencode(query)}"})
    return body
