"""Settings shared by every environment; everything that differs comes from the environment."""
import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "csp",
    "delegations",
    "plans",
    "sessions.apps.ContactSessionsConfig",
    "petitions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so that static files carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "delegations.middleware.InterfaceLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "delegations.middleware.NullCharacterMiddleware",
    "delegations.middleware.TextAtTheDoorMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "delegations.outbox.OutboxNoticeMiddleware",  # after MessageMiddleware: it adds a message
    "delegations.security.SessionIdleMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
    # Last, so that it is the first to see a view's exception: database unreachable -> 503 page.
    "delegations.middleware.DatabaseUnavailableMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before the password is checked. It has no get_user(), so the
    # test client's force_login() uses ModelBackend.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "delegations.context_processors.membership",
            ],
        },
    },
]


def sqlite_or_url(url):
    config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The web process and the Celery worker share the file: WAL + IMMEDIATE avoid "database is locked".
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # A server that accepts connections but never answers must fail a request, not hold it until
        # gunicorn kills the worker (libpq waits forever by default). A value in the URL wins.
        config.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5")))
    return config


DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": sqlite_or_url(DATABASE_URL)}
# The covering index `petition_recipients` (id INCLUDE council, agency) is for PostgreSQL's sweep at a
# province's scale; SQLite (the embedded default) keeps it as a plain index on id, which is harmless,
# so its warning about the ignored columns is not shown on every command there.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# /healthz: each part (database, broker) gets this many seconds on its own new connection.
HEALTHZ_TIMEOUT_SECONDS = float(os.environ.get("HEALTHZ_TIMEOUT_SECONDS", "2"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "delegations.security.NotCurrentPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after SESSION_IDLE_MINUTES without a request (delegations.security.SessionIdleMiddleware
# moves the expiry on) and when the browser closes (the cookie has no expiry date).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_IDLE_REFRESH_SECONDS = 60  # the expiry moves on at most this often (one session write)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login throttling (django-axes) on the site login and the admin login: after LOGIN_FAILURE_LIMIT
# failed logins of one account (from any address), or LOGIN_ADDRESS_FAILURE_LIMIT from one address
# (for any account), logins are refused for LOGIN_COOLOFF_MINUTES after the last failure; each
# refused try starts the wait again. Office staff unlock their council's users (/org/membership/),
# superusers any account or address in the admin (Axes › Access attempts).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
LOGIN_COOLOFF_MINUTES = int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15"))
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For (0: none,
# REMOTE_ADDR is the client; 1: one nginx…). Never more than there are, or clients choose their address.
LOGIN_TRUSTED_PROXIES = int(os.environ.get("LOGIN_TRUSTED_PROXIES", "0"))
AXES_ENABLED = env_bool("LOGIN_THROTTLING", True)
AXES_HANDLER = "delegations.security.AccountOrAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_CLIENT_IP_CALLABLE = "delegations.security.client_address"
AXES_LOCKOUT_CALLABLE = "delegations.security.lockout_response"
# Not AXES_RESET_ON_SUCCESS: a success would also wipe its address's failures, so one attacker's own
# account could reset the per-address count between guesses.

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no inline
# script or style attribute anywhere (templates use static/js/app.js and CSS classes), no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap's CSS draws its icons (menu, select arrow, close) as data: SVG images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# No URL serves MEDIA_ROOT, in development too: files go out through views that check access
# (delegations.downloads). MEDIA_URL only names what FileField.url would say (e.g. in the admin).
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    # Uploaded and generated files under random names, read only through views that check access.
    "default": {"BACKEND": "delegations.storage.PrivateFileStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Backups (manage.py backup / restore): where archives go by default; where pg_dump/pg_restore live
# when not the Debian folder of the server's version nor on PATH.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")

# Uploads: Excel imports and scans are read in memory up to this size, then refused.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "hdnd@localhost")
# The address of the site as users reach it (https://hdnd.example.vn), put before the links of e-mails.
SITE_URL = os.environ.get("SITE_URL", "")

# Celery: Redis in production; the filesystem transport under var/ by default (no server to install).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message taken by a worker that died unacknowledged goes back to the queue after this many
    # seconds (Redis' default is an hour). Longer than the slowest task: a task still running when
    # it expires is delivered again (harmless, tasks are idempotent, but wasted work).
    CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "300"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # kombu looks for such messages every interval × throttle seconds (10 × 10 by default): every
        # interval instead, so a lost message is back within the timeout and a few seconds.
        "unacked_restore_interval": min(10, max(1, CELERY_VISIBILITY_TIMEOUT // 10)),
        "unacked_restore_throttle": 1,
        # A Redis that vanishes without closing the connection must not hang a web request forever.
        "socket_connect_timeout": 5,
        "socket_timeout": int(os.environ.get("CELERY_BROKER_SOCKET_TIMEOUT", "10")),
    }
# Work that must not be lost: acknowledged after it ran, re-queued when its worker process dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The deadline sweep (delegations/sweep.py): reminders and escalations, each sent once. A run
# not started within one period is dropped: the next one does the same work.
DEADLINE_SWEEP_MINUTES = int(os.environ.get("DEADLINE_SWEEP_MINUTES", "15"))
# The log of who saw voters' personal data (petitions.models.VoterDataAccess) is kept this many days
# (Decree 13/2023/NĐ-CP expects a trace; two years by default); beat deletes older entries daily.
VOTER_ACCESS_LOG_RETENTION_DAYS = int(os.environ.get("VOTER_ACCESS_LOG_RETENTION_DAYS", "730"))
# The outbox (delegations/outbox.py): work written with the change and handed to the broker after
# commit; the sweep hands again what was never handed or is not done after OUTBOX_REDISPATCH_AFTER_SECONDS.
OUTBOX_SWEEP_SECONDS = int(os.environ.get("OUTBOX_SWEEP_SECONDS", "60"))
OUTBOX_REDISPATCH_AFTER_SECONDS = int(os.environ.get("OUTBOX_REDISPATCH_AFTER_SECONDS", "300"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "10"))
OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "7"))
# How far ahead an agency may promise to resolve a petition or ask for more time (delegations/dates.py).
PROMISED_DATE_MAX_DAYS = int(os.environ.get("PROMISED_DATE_MAX_DAYS", "730"))
# The public petition lookup: how many lookups one address may make (django-ratelimit's "N/period"
# with period s, m, h or d), counted in the default cache.
PETITION_LOOKUP_RATE = os.environ.get("PETITION_LOOKUP_RATE", "20/m")
# The filter menus of each council (petitions.menus) stay cached this long at most; a change of a
# group, commune, agency or field forgets them at once in a shared cache (Redis).
MENU_CACHE_SECONDS = int(os.environ.get("MENU_CACHE_SECONDS", "600"))
# The petition list remembers this long that a query matched "more than" its count limit (the next
# pages of a search do not count again; delegations.pagination.CappedPaginator) ...
CAPPED_COUNT_SECONDS = int(os.environ.get("CAPPED_COUNT_SECONDS", "60"))
# ... and whether a user's councils hold few petitions, which chooses how a search reads them.
SCOPE_SIZE_CACHE_SECONDS = int(os.environ.get("SCOPE_SIZE_CACHE_SECONDS", "600"))
# Behind a reverse proxy every request comes from the proxy's address: name the header it sets
# with the client's single address, e.g. HTTP_X_REAL_IP (never a list such as X-Forwarded-For).
if os.environ.get("RATELIMIT_IP_META_KEY"):
    RATELIMIT_IP_META_KEY = os.environ["RATELIMIT_IP_META_KEY"]
# The cache holds those counters: it must be shared by every web process to count per address,
# hence Redis when CACHE_URL names it (docker-compose does); the memory of each process otherwise.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {"default": (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL.startswith(("redis://", "rediss://"))
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"})}
# Form tokens (delegations.once) and django-axes' record of successful logins are deleted after
# these many days by a daily beat job (delegations.services.records_purge).
FORM_TOKEN_KEEP_DAYS = int(os.environ.get("FORM_TOKEN_KEEP_DAYS", "30"))
LOGIN_LOG_RETENTION_DAYS = int(os.environ.get("LOGIN_LOG_RETENTION_DAYS", "365"))
# The dashboard's kept round figures are counted again this often when stale (petitions.round_figures).
ROUND_FIGURES_REFRESH_SECONDS = int(os.environ.get("ROUND_FIGURES_REFRESH_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "round-figures-refresh": {
        "task": "petitions.tasks.round_figures_refresh_task",
        "schedule": ROUND_FIGURES_REFRESH_SECONDS,
        "options": {"expires": ROUND_FIGURES_REFRESH_SECONDS},
    },
    "outbox-sweep": {
        "task": "delegations.tasks.outbox_sweep_task",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS},
    },
    "deadlines-sweep": {
        "task": "delegations.tasks.deadlines_sweep_task",
        "schedule": DEADLINE_SWEEP_MINUTES * 60,
        "options": {"expires": DEADLINE_SWEEP_MINUTES * 60},
    },
    "notifications-digest": {
        "task": "delegations.tasks.notifications_digest_task",
        "schedule": 60 * 60,
        "options": {"expires": 30 * 60},
    },
    "records-purge": {
        "task": "delegations.tasks.records_purge_task",
        "schedule": 24 * 60 * 60,
        "options": {"expires": 60 * 60},
    },
    "voter-access-log-purge": {
        "task": "petitions.tasks.voter_access_log_purge_task",
        "schedule": 24 * 60 * 60,
        "options": {"expires": 60 * 60},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint and fontTools log every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The demo loader creates users with a known password: allowed only where a setting says so.
DEMO_DATA_ALLOWED = False
