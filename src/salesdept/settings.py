"""One settings module, driven by environment variables.

SALESDEPT_HOME   data folder (SQLite database, secret key, collected static); default ~/.salesdept
DATABASE_URL     sqlite:///… (default: $SALESDEPT_HOME/salesdept.sqlite3) or postgresql://…
SECRET_KEY       required when SALESDEPT_PRODUCTION=1; otherwise kept in $SALESDEPT_HOME/secret_key
DEBUG            "1" turns on Django's debug pages (never in production)
ALLOWED_HOSTS    comma-separated; default 127.0.0.1,localhost
SALESDEPT_PRODUCTION  "1" turns on secure cookies, HSTS and friends (`salesdept serve`)
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("SALESDEPT_HOME", Path.home() / ".salesdept")).expanduser()
PRODUCTION = os.environ.get("SALESDEPT_PRODUCTION") == "1"


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set for `salesdept serve`.")
    HOME.mkdir(parents=True, exist_ok=True)
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "ninja",
    "django_htmx",
    "django_filters",
    "axes",
    "auditlog",
    "salesdept.core",
    "salesdept.accounts",
    "salesdept.audit",
    "salesdept.crm",
    "salesdept.catalog",
    "salesdept.ledger",
    "salesdept.warehouse",
    "salesdept.sales",
    "salesdept.stats",
    "salesdept.shipping",
    "salesdept.billing",
    "salesdept.planning",
    "salesdept.workreports",
    "salesdept.reports",
    "salesdept.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "salesdept.accounts.middleware.UserLanguageMiddleware",
    # I9: after authentication, so an Idempotency-Key belongs to the signed-in user
    "salesdept.core.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # last, as django-axes asks
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salesdept.urls"
WSGI_APPLICATION = "salesdept.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "salesdept.web.context_processors.navigation",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    }
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{HOME / 'salesdept.sqlite3'}"
    db = dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        if db["NAME"] != ":memory:":
            Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers run beside one writer; IMMEDIATE makes writers queue at BEGIN, so
        # check-then-act code stays correct where select_for_update() is a no-op.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif db["ENGINE"].startswith("django.db.backends.postgresql"):
        # JIT compilation pays off for long analytic queries, not for these short ones: it
        # added ~1 s to a fulfillment list filtered by state over 100,000 contracts.
        db.setdefault("OPTIONS", {})["options"] = "-c jit=off"
        # Parameters bound by the server and statements prepared after 5 uses on a connection:
        # the same short statements (a posting's dozen) are parsed and planned once, not every
        # time (+30 % postings per second, measured 2026-12-01). Behind a connection pooler in
        # transaction mode that cannot keep prepared statements, set SALESDEPT_PG_PREPARED=0.
        if os.environ.get("SALESDEPT_PG_PREPARED", "1") != "0":
            db["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock a username for an hour after 5 failures from the same address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Our own number formats where Django's differ from how the department writes them (zh_Hans:
# 860,000.00, grouped by thousands).
FORMAT_MODULE_PATH = ["salesdept.formats"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves pre-compressed (gzip, Brotli) copies; compressing the 35 MB of static
    # files (admin, API docs, charts) takes a minute, which the demo on a laptop does not need.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = HOME / "media"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; kept default
CSRF_FAILURE_VIEW = "salesdept.web.views.csrf_failure"  # a 403 in the layout, translated
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

AUDITLOG_INCLUDE_ALL_MODELS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

SALESDEPT = {
    # Lists never answer more than this many rows at once (API and pages).
    "MAX_PAGE_SIZE": 200,
    "DEFAULT_PAGE_SIZE": 50,
    # Idempotency keys are remembered this many hours.
    "IDEMPOTENCY_TTL_HOURS": 24,
    # How the idempotency middleware (core) finds the user of a Bearer token (accounts).
    "TOKEN_AUTHENTICATE": "salesdept.accounts.services.token_authenticate",
}
