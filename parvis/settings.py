"""Django settings for parvis.

Everything comes from environment variables, with defaults that make the embedded
single-machine mode (`parvis up`: SQLite, huey on SQLite, 127.0.0.1) work untouched.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from parvis.core.datadir import data_dir, load_or_create_secret, private_sqlite_file
from parvis.networks import registry as network_registry

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("PARVIS_SECRET_KEY") or load_or_create_secret("secret_key")
# Credentials are encrypted with their own key(s) so that rotating the session secret
# never makes stored tokens unreadable. Comma-separated: the first encrypts, all decrypt.
PARVIS_ENCRYPTION_KEYS = env_list("PARVIS_ENCRYPTION_KEYS", "") or [
    load_or_create_secret("encryption_key", fernet=True)
]

DEBUG = env_bool("PARVIS_DEBUG")
ALLOWED_HOSTS = env_list("PARVIS_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("PARVIS_CSRF_TRUSTED_ORIGINS", "")
PARVIS_BASE_URL = os.environ.get("PARVIS_BASE_URL", "").rstrip("/")
# Networks that download media themselves (Meta) get a signed address under
# PARVIS_BASE_URL valid this long, or, with a bucket set, a presigned S3 address (the file
# is copied there once). See parvis/publishing/media_urls.py.
PARVIS_MEDIA_URL_SECONDS = int(os.environ.get("PARVIS_MEDIA_URL_SECONDS", "3600"))
PARVIS_S3_BUCKET = os.environ.get("PARVIS_S3_BUCKET", "")
PARVIS_S3_ENDPOINT_URL = os.environ.get("PARVIS_S3_ENDPOINT_URL", "")  # MinIO, Scaleway, OVH…
PARVIS_S3_REGION = os.environ.get("PARVIS_S3_REGION", "")
PARVIS_S3_ACCESS_KEY_ID = os.environ.get("PARVIS_S3_ACCESS_KEY_ID", "")
PARVIS_S3_SECRET_ACCESS_KEY = os.environ.get("PARVIS_S3_SECRET_ACCESS_KEY", "")
PARVIS_S3_PREFIX = os.environ.get("PARVIS_S3_PREFIX", "parvis-media")
# PARVIS_BASE_URL is reachable by the networks although it looks private (a tunnel or a
# port forwarded to a LAN address; tests): the composer then does not warn about it.
PARVIS_MEDIA_URL_REACHABLE = env_bool("PARVIS_MEDIA_URL_REACHABLE")
# What makes the short links of posts (publishing calls it by this name, not by import).
PARVIS_LINK_SHORTENER = "parvis.analytics.links"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "huey.contrib.djhuey",
    "axes",
    "parvis.core",
    "parvis.accounts",
    "parvis.networks",
    *network_registry.apps(),
    "parvis.publishing",
    "parvis.inbox",
    "parvis.listening",
    "parvis.analytics",
    "parvis.relations",
    "parvis.api",
    "parvis.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise: static files get the policy too (an SVG opened on its own is a page).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "parvis.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in refused by the throttle into its answer (see accounts/throttle.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "parvis.urls"
WSGI_APPLICATION = "parvis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parvis.web.context.navigation",
            ],
        },
    },
]

SQLITE_PATH = DATA_DIR / "parvis.sqlite3"
# Connections are kept between jobs (huey's db_task closes "old" ones around each task):
# with CONN_MAX_AGE=0 every publication opened a new PostgreSQL backend, which cost a
# third of the throughput in bench/publish.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}", conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE takes the write lock when a transaction starts: SQLite has no row
            # locks, so this is what makes a claim transaction exclusive there.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            ),
        }
    )
IS_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if IS_SQLITE and DATABASES["default"]["NAME"] not in ("", ":memory:"):
    private_sqlite_file(Path(DATABASES["default"]["NAME"]))  # 0600, and so its -wal and -shm

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses every sign-in while the account or the address is locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "parvis.accounts.backends.EmailBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# A password-reset link works once, for a day.
PASSWORD_RESET_TIMEOUT = 24 * 3600

# Sign-in throttling (django-axes, records in the database; parvis decides the lockout in
# parvis/accounts/throttle.py). Failures are counted per account and per address; past
# the limit each new failure doubles the wait, from one minute up to a day. API token
# failures are counted per address on their own.
PARVIS_LOGIN_FAILURES = int(os.environ.get("PARVIS_LOGIN_FAILURES", "5"))
PARVIS_LOGIN_ADDRESS_FAILURES = int(os.environ.get("PARVIS_LOGIN_ADDRESS_FAILURES", "20"))
PARVIS_API_TOKEN_FAILURES = int(os.environ.get("PARVIS_API_TOKEN_FAILURES", "20"))
# Password-reset emails: at most this many an hour to one mailbox, and requests from one
# address (parvis/accounts/reset_limits.py).
PARVIS_RESET_EMAILS_PER_HOUR = int(os.environ.get("PARVIS_RESET_EMAILS_PER_HOUR", "3"))
PARVIS_RESET_REQUESTS_PER_HOUR = int(os.environ.get("PARVIS_RESET_REQUESTS_PER_HOUR", "10"))
# Reverse proxies in front of parvis that append the client's address to X-Forwarded-For
# (0: the client is the connection's address).
PARVIS_PROXY_COUNT = int(os.environ.get("PARVIS_PROXY_COUNT", "0"))
AXES_ENABLED = True
AXES_HANDLER = "parvis.accounts.throttle.ThrottleHandler"
AXES_FAILURE_LIMIT = 1  # the handler reports 1 failure while locked, 0 otherwise
AXES_COOLOFF_TIME = 24  # hours a failure is remembered after the last one
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "parvis.accounts.throttle.client_username"
AXES_CLIENT_IP_CALLABLE = "parvis.accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "parvis.accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Attempts made while locked out are refused without being counted, so the wait that
# the message announces holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # parvis keeps no log of successful sign-ins
AXES_VERBOSE = False
# Masked in what axes stores and logs: `next` may hold an invitation link.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "next", "csrfmiddlewaretoken"]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("PARVIS_STATIC_ROOT", DATA_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("PARVIS_MEDIA_ROOT", DATA_DIR / "media"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing folder
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Largest file the media library accepts (the networks' own limits are checked per post).
PARVIS_MAX_IMAGE_BYTES = int(os.environ.get("PARVIS_MAX_IMAGE_BYTES", 16 * 1024 * 1024))
PARVIS_MAX_VIDEO_BYTES = int(os.environ.get("PARVIS_MAX_VIDEO_BYTES", 100 * 1024 * 1024))
# Largest image (in pixels) the library takes, read from the file's header before any
# decode: decoding costs about 4 bytes a pixel whatever the file's size. 50 MP takes a
# 48 MP phone photo; Pillow is held to the same figure (it refuses twice that outright).
PARVIS_MAX_IMAGE_PIXELS = int(os.environ.get("PARVIS_MAX_IMAGE_PIXELS", 50_000_000))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("PARVIS_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# PARVIS_SECURE_COOKIES says parvis is served over HTTPS, through a TLS reverse proxy
# (README): browsers are then told to use HTTPS only (HSTS), on this host name alone
# unless PARVIS_HSTS_INCLUDE_SUBDOMAINS is set. Django sends HSTS on secure requests only,
# which behind the proxy it knows from the proxy's X-Forwarded-Proto; a client that
# forges it can only make its own request look secure (stricter CSRF checks, https links).
if SESSION_COOKIE_SECURE:
    SECURE_HSTS_SECONDS = int(os.environ.get("PARVIS_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PARVIS_HSTS_INCLUDE_SUBDOMAINS")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp) on every response: scripts and styles from parvis's
# own static files only, no inline script or handler, no eval, no inline style (colours
# are SVG fills), no plugins, never framed, forms posted to parvis only. A view that needs
# more says so itself (parvis.web.csp: the API docs, the OAuth redirect to an instance).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Email: Django's own settings, named as Django names them. With neither EMAIL_BACKEND
# nor EMAIL_HOST set (the embedded mode), emails are written to private files in the data
# folder rather than printed: they carry links that let anyone in.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("EMAIL_HOST")
    else "parvis.core.mail.PrivateFileEmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "parvis <parvis@localhost>")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or str(DATA_DIR / "emails")

# Background work. Embedded: huey on a SQLite file beside the database. At scale:
# REDIS_URL, and any number of `parvis worker` processes on any number of machines.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY_WORKERS = int(os.environ.get("PARVIS_WORKERS", "8"))
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("PARVIS_HUEY_NAME", "parvis"),
        "url": REDIS_URL,
        "immediate": False,
        "results": False,  # nobody reads a job's return value; don't store one per job
    }
else:
    HUEY_FILE = os.environ.get("PARVIS_HUEY_FILE", str(DATA_DIR / "huey.sqlite3"))
    private_sqlite_file(Path(HUEY_FILE))
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": os.environ.get("PARVIS_HUEY_NAME", "parvis"),
        "filename": HUEY_FILE,
        "immediate": False,
        "results": False,
    }

# Outbound HTTP: user-supplied URLs (instances, feeds, webhooks) may not reach private
# addresses unless this is set (tests and self-hosted servers on the same network).
PARVIS_ALLOW_PRIVATE_URLS = env_bool("PARVIS_ALLOW_PRIVATE_URLS")
# The longest wait for connecting or for any data (seconds); the longest a whole request
# may take, from connecting to the last byte of the answer (plus one second per 256 KB
# moved, so that a progressing upload or download is never cut); the largest answer read
# from a server's API, once decompressed (media downloads use the library's limits).
PARVIS_HTTP_TIMEOUT = float(os.environ.get("PARVIS_HTTP_TIMEOUT", "30"))
PARVIS_HTTP_TOTAL_TIMEOUT = float(os.environ.get("PARVIS_HTTP_TOTAL_TIMEOUT", "60"))
PARVIS_HTTP_MAX_BYTES = int(os.environ.get("PARVIS_HTTP_MAX_BYTES", str(10 * 1024 * 1024)))

# Threads: a self-hosted parvis uses its own Meta app (its Threads app id and secret).
# Without them the Threads connect page says which variables to set. The API and login
# addresses default, in the network's package, to Meta's (empty here means that default):
# tests point them at a loopback fake.
PARVIS_THREADS_CLIENT_ID = os.environ.get("PARVIS_THREADS_CLIENT_ID", "")
PARVIS_THREADS_CLIENT_SECRET = os.environ.get("PARVIS_THREADS_CLIENT_SECRET", "")
PARVIS_THREADS_API_URL = os.environ.get("PARVIS_THREADS_API_URL", "")
PARVIS_THREADS_AUTHORIZE_URL = os.environ.get("PARVIS_THREADS_AUTHORIZE_URL", "")

# Bluesky's AppView, which serves profiles and author feeds to anyone without a login
# (la veille's follow of a public account); tests point it at the local network's.
PARVIS_BLUESKY_APPVIEW = os.environ.get("PARVIS_BLUESKY_APPVIEW", "https://public.api.bsky.app")

# La Poste's tracking API (Suivi v2: Colissimo, Chronopost, lettre suivie), read with each
# organisation's own key; tests point it at the loopback fake.
PARVIS_LAPOSTE_API_URL = os.environ.get("PARVIS_LAPOSTE_API_URL", "https://api.laposte.fr/suivi/v2")

# Meta's Graph API (Facebook Pages, Instagram professional accounts). The hosts: empty
# means Meta's own, which the network packages name (this file names no network); tests
# point them at the loopback fake. The apps: each organisation registers its own Meta app
# (a self-hosted tool cannot share one) and gives its id and secret here; Instagram Login
# has its own app id and secret (the Instagram product of the same Meta app).
PARVIS_META_GRAPH_URL = os.environ.get("PARVIS_META_GRAPH_URL", "")
PARVIS_META_LOGIN_URL = os.environ.get("PARVIS_META_LOGIN_URL", "")
PARVIS_INSTAGRAM_GRAPH_URL = os.environ.get("PARVIS_INSTAGRAM_GRAPH_URL", "")
PARVIS_INSTAGRAM_API_URL = os.environ.get("PARVIS_INSTAGRAM_API_URL", "")
PARVIS_INSTAGRAM_LOGIN_URL = os.environ.get("PARVIS_INSTAGRAM_LOGIN_URL", "")
PARVIS_META_APP_ID = os.environ.get("PARVIS_META_APP_ID", "")
PARVIS_META_APP_SECRET = os.environ.get("PARVIS_META_APP_SECRET", "")
PARVIS_INSTAGRAM_APP_ID = os.environ.get("PARVIS_INSTAGRAM_APP_ID", "")
PARVIS_INSTAGRAM_APP_SECRET = os.environ.get("PARVIS_INSTAGRAM_APP_SECRET", "")
# The verify token typed in the Meta app dashboard when subscribing its webhook (empty:
# parvis refuses the subscription); the notifications themselves are signed with the app
# secrets above.
PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN = os.environ.get("PARVIS_INSTAGRAM_WEBHOOK_VERIFY_TOKEN", "")

# Publishing engine tuning.
PARVIS_DISPATCH_INTERVAL = float(os.environ.get("PARVIS_DISPATCH_INTERVAL", "1.0"))
# Periodic work: run in this order by every worker's dispatcher before each pass (every
# PARVIS_DISPATCH_INTERVAL), each idempotent; see parvis/core/sweeps.py (there are no huey
# periodic tasks). Publishing first, then the inbox, then webhooks, so that the events the
# earlier sweeps emit are fanned out in the same pass.
PARVIS_SWEEPS = [
    # Every pass: tell author and approvers, once, of a post still unapproved N hours before its time.
    "parvis.publishing.approval_sweeps.warn_unapproved_soon",
    # Every pass: at its time, fail visibly a publication nobody approved (invariant 2).
    "parvis.publishing.approval_sweeps.fail_unapproved_due",
    # Every pass: queue again a CSV import whose run died (its lease ran out).
    "parvis.publishing.importer.lease.resume_stale_imports",
    # Every pass (work only when a series runs short): fill recurring series up to their horizon.
    "parvis.publishing.recurrence.materialise_series",
    # Once an hour, in a month's last week only: tell owners once when a mission's plan falls short.
    "parvis.publishing.missions.warn_short_missions",
    # Every pass: queue refreshes of credentials about to expire; warn owners of the others.
    "parvis.networks.tokens.refresh_expiring_credentials",
    # Every pass: give new accounts their pollers, claim the due inbox polls and queue them.
    "parvis.inbox.tasks.dispatch_inbox_polls",
    # Every pass: put replies sent from the inbox, once published, into their threads.
    "parvis.inbox.tasks.link_published_replies",
    # Once a minute: emit inbox.item.overdue for items that crossed the response target.
    "parvis.inbox.tasks.announce_overdue_items",
    # Every six hours: re-analyse the inbox tables so that the planner's statistics stay true.
    "parvis.inbox.tasks.refresh_planner_statistics",
    # Every pass: claim the due feed fetches (a few per server at once) and queue them.
    "parvis.listening.tasks.dispatch_feed_fetches",
    # Every pass: competitors' public accounts due for a read (each every PARVIS_COMPETITORS_INTERVAL).
    "parvis.listening.tasks.dispatch_competitor_reads",
    # Every pass: queue monitors to apply to the last 30 days, and the monitors' look at new texts.
    "parvis.listening.tasks.dispatch_monitoring",
    # Every five minutes: is a monitor's hour a spike? (told through the duty rota and channels)
    "parvis.listening.tasks.dispatch_spike_checks",
    # Twice a minute: queue la veille's digests whose local time has come.
    "parvis.listening.tasks.dispatch_digests",
    # Every pass: queue the due readings of posts' and accounts' figures (analytics).
    "parvis.analytics.tasks.dispatch_metric_reads",
    # Every pass: reports' next runs planned, the evening checks, the due builds and sends.
    "parvis.analytics.tasks.dispatch_reports",
    # Once a minute: queue the due syncs of conversions from Matomo or Plausible (each hourly).
    "parvis.analytics.tasks.dispatch_conversion_syncs",
    # Once a minute: queue the due checks of parcels followed through La Poste (each every 4 hours while moving).
    "parvis.relations.parcels.dispatch_parcel_checks",
    # Every pass: queue the due collections of contest entries (every 6 hours while open, then the final one).
    "parvis.relations.contest_tasks.dispatch_contest_collections",
    # Every pass: a contest winner silent past their time to answer gives way to the next alternate.
    "parvis.relations.contest_winners.replace_silent_winners",
    # Once an hour: entrants of contests drawn six months ago keep only their network id (the rules' promise).
    "parvis.relations.contests.forget_entrants",
    # Once an hour: forget feed entries past PARVIS_FEEDS_KEEP_DAYS that left their feed.
    "parvis.listening.tasks.forget_old_entries",
    # Every pass: freed places offered to the waitlist and not taken in time pass to the next.
    "parvis.relations.rsvp.expire_offers",
    # Every pass: claim and email events' reminders (ICS attached), once per guest, remind_hours before.
    "parvis.relations.mailing.send_reminders",
    # Once a minute: contacts' posts about a brand found by the inbox and la veille (the gifts law's mention).
    "parvis.relations.mentions.find_contact_posts",
    # Every pass: fan new outbox events out to webhook endpoints, claim due deliveries, queue them.
    "parvis.api.tasks.dispatch_webhooks",
    # Once an hour: delete finished webhook deliveries and events past PARVIS_WEBHOOK_KEEP_DAYS.
    "parvis.api.tasks.forget_old_deliveries",
]
# Outgoing webhooks: an endpoint whose every attempt failed this many days is switched off
# (its owners are told); finished deliveries and their attempts are kept this many days.
PARVIS_WEBHOOK_DISABLE_AFTER_DAYS = int(os.environ.get("PARVIS_WEBHOOK_DISABLE_AFTER_DAYS", "5"))
PARVIS_WEBHOOK_KEEP_DAYS = int(os.environ.get("PARVIS_WEBHOOK_KEEP_DAYS", "30"))
# Inbox polling, per account and stream, in seconds: this often while items keep
# coming, slowing down to the maximum while nothing does.
PARVIS_INBOX_MIN_INTERVAL = int(os.environ.get("PARVIS_INBOX_MIN_INTERVAL", "60"))
PARVIS_INBOX_MAX_INTERVAL = int(os.environ.get("PARVIS_INBOX_MAX_INTERVAL", "900"))
# Feeds (la veille), in seconds: the shortest and longest wait between two fetches of a
# source (the wait follows how often it publishes), and how many fetches of one server
# may run at once.
PARVIS_FEEDS_MIN_INTERVAL = int(os.environ.get("PARVIS_FEEDS_MIN_INTERVAL", "300"))
PARVIS_FEEDS_MAX_INTERVAL = int(os.environ.get("PARVIS_FEEDS_MAX_INTERVAL", "86400"))
PARVIS_FEEDS_PER_HOST = int(os.environ.get("PARVIS_FEEDS_PER_HOST", "2"))
# Entries are forgotten this many days after they were fetched, once out of their feed
# (unless saved for later or found by a monitor).
PARVIS_FEEDS_KEEP_DAYS = int(os.environ.get("PARVIS_FEEDS_KEEP_DAYS", "90"))
# Bluesky's Jetstream (wss://…/subscribe), read for la veille's stream watches by
# `parvis manage veille_jetstream` (and by `parvis up`); "" = off.
PARVIS_BLUESKY_JETSTREAM = os.environ.get("PARVIS_BLUESKY_JETSTREAM", "").strip()
# Seconds between two reads of a competitor's public account (profile, latest posts, counts).
PARVIS_COMPETITORS_INTERVAL = int(os.environ.get("PARVIS_COMPETITORS_INTERVAL", "21600"))
PARVIS_PUBLISH_LEASE_SECONDS = int(os.environ.get("PARVIS_PUBLISH_LEASE_SECONDS", "180"))
PARVIS_PUBLISH_MAX_ATTEMPTS = int(os.environ.get("PARVIS_PUBLISH_MAX_ATTEMPTS", "8"))
# CSV imports: rows created per transaction, and how long a run may go silent before it
# is taken for dead and the import is resumed by another worker.
PARVIS_IMPORT_CHUNK_ROWS = int(os.environ.get("PARVIS_IMPORT_CHUNK_ROWS", "200"))
PARVIS_IMPORT_LEASE_SECONDS = int(os.environ.get("PARVIS_IMPORT_LEASE_SECONDS", "120"))
# "Check now" in the inbox: at most once per workspace in this many seconds.
PARVIS_INBOX_CHECK_NOW_SECONDS = int(os.environ.get("PARVIS_INBOX_CHECK_NOW_SECONDS", "30"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "parvis.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "parvis.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "parvis API",
    "DESCRIPTION": "Workspaces, accounts, posts and publications of a parvis server.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The payloads of outgoing webhooks (OpenAPI 3.1 `webhooks`).
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": "parvis.api.webhooks.schema.WEBHOOKS",
    # Two "state" fields: each keeps a stable name (publications' as before webhooks came).
    "ENUM_NAME_OVERRIDES": {"StateEnum": "parvis.publishing.models.State",
                            "WebhookDeliveryStateEnum": "parvis.api.webhooks.models.DeliveryState",
                            # Two choice sets are named `role`: a member's role in a workspace, and a duty slot's.
                            "WorkspaceRoleEnum": "parvis.accounts.models.Role",
                            "DutySlotRoleEnum": "parvis.inbox.models.DutySlot.Role",
                            # A person's notification choices and a chat channel's topics share one set.
                            "NotificationTopicEnum": "parvis.accounts.channels.TOPIC_KEYS",
                            # Why a contest entry is excluded: named for contests, not any "excluded".
                            "ContestEntryExcludedEnum": "parvis.relations.models.Entry.Excluded",
                            # A parcel's status, beside the publications', events' and contests' own.
                            "ParcelStatusEnum": "parvis.relations.models.ParcelStatus"},
}

# Every record goes through the root handler, whose filter masks secrets (links that
# grant access, API tokens, Authorization headers): Django's own loggers are sent there
# too instead of to their default handlers.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "parvis.core.redact.RedactSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("PARVIS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "httpx": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
