"""Dangjian settings: one file, everything that differs between machines comes from the environment.

Variables (all optional for local use):
  DJANGO_SECRET_KEY   required when DJANGO_PRODUCTION=1
  DJANGO_PRODUCTION   1 turns on secure cookies, HSTS, SSL redirect and forbids DEBUG
  DJANGO_DEBUG        1 for Django's debug pages (``make dev`` sets it; ``make run`` leaves it off)
  DJANGO_ALLOWED_HOSTS comma-separated
  DATABASE_URL        e.g. postgres://user@127.0.0.1:5432/dangjian; default SQLite under var/
  REDIS_URL           cache (and cached sessions) in Redis; default per-process memory
  DANGJIAN_PII_KEY    key for encrypting 身份证号/手机号 at rest; required in production: 32+ random
                      bytes as base64 or hex (python -c "import secrets; print(secrets.token_urlsafe(32))")
  DANGJIAN_PII_OLD_KEYS earlier PII keys, comma-separated, read-only until manage.py rotate_pii_key
  DANGJIAN_TRUSTED_PROXIES addresses/networks of the reverse proxy (e.g. 127.0.0.1), comma-separated
  SESSION_IDLE_MINUTES idle timeout, default 30
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DANGJIAN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = env_bool("DJANGO_PRODUCTION")
DEBUG = env_bool("DJANGO_DEBUG") and not PRODUCTION

DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
PII_KEY = os.environ.get("DANGJIAN_PII_KEY", "")
# Earlier PII keys, comma-separated: values they encrypted stay readable until rotate_pii_key.
PII_OLD_KEYS = [k.strip() for k in os.environ.get("DANGJIAN_PII_OLD_KEYS", "").split(",") if k.strip()]
if PRODUCTION:
    if not SECRET_KEY:
        raise ImproperlyConfigured("生产环境必须设置 DJANGO_SECRET_KEY")
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("生产环境的 DJANGO_SECRET_KEY 必须是 50 位以上的随机串，不能用开发默认值")
    if not PII_KEY:
        raise ImproperlyConfigured("生产环境必须设置 DANGJIAN_PII_KEY")
    from dangjian.core.pii import DEV_PII_KEY, PiiKeyError, key_bytes

    # Only the current key is held to the rule: old keys are read-only, kept until rotate_pii_key
    # has moved everything off them (the way off a weak key).
    try:
        if PII_KEY == DEV_PII_KEY:
            raise PiiKeyError("DANGJIAN_PII_KEY 不能用开发默认值")
        key_bytes(PII_KEY)
    except PiiKeyError as exc:
        raise ImproperlyConfigured(str(exc)) from None
else:
    _defaults = [
        name
        for name, value in (("DJANGO_SECRET_KEY", SECRET_KEY), ("DANGJIAN_PII_KEY", PII_KEY))
        if not value
    ]
    SECRET_KEY = SECRET_KEY or DEV_SECRET_KEY
    PII_KEY = PII_KEY or "dev-only-pii-key"
    if _defaults and not os.environ.get("DANGJIAN_QUIET_DEV_KEYS"):
        # Once per process (settings are imported once); child processes inherit the silence.
        os.environ["DANGJIAN_QUIET_DEV_KEYS"] = "1"
        sys.stderr.write(
            f"警告：未设置 {'、'.join(_defaults)}，正在使用公开的开发用密钥；这样的数据库不能用于真实数据。\n"
        )

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",  # runserver leaves static files to whitenoise, as in production
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "django_htmx",
    "template_partials",
    "django_filters",
    "simple_history",
    "dangjian.core.axes_app.AxesConfig",  # django-axes, named in Chinese
    "csp",
    "ninja",
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.orgs",
    "dangjian.activities",
    "dangjian.requirements",
    "dangjian.campaigns",
    "dangjian.reports",
    "dangjian.feedback",
    "dangjian.rectification",
    "dangjian.research",
    "dangjian.cases",
    "dangjian.textcheck",
    "dangjian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dangjian.core.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dangjian.core.middleware.VaryOnHtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.core.context_processors.navigation",
            ],
        },
    }
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'dangjian.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
            "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456; "
            # Tree paths are ASCII; a case-sensitive LIKE lets "path LIKE prefix%" seek the index.
            "PRAGMA case_sensitive_like=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "600"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Cached sessions and page fragments share this cache: room for more than the default 300.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

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
    "dangjian.accounts.backends.UserBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock the username after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# Behind a reverse proxy: list its addresses (or networks) so the real client address is read from
# X-Forwarded-For / X-Real-IP; requests from anywhere else are keyed on their own address.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("DANGJIAN_TRUSTED_PROXIES", "").split(",") if p.strip()]
AXES_CLIENT_IP_CALLABLE = "dangjian.core.clientip.client_ip"

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# The API docs page (/api/v1/docs) loads Swagger UI from the ninja package's own static files.

LANGUAGE_CODE = "zh-hans"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request when it is missing
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_MB", "60")) * 1024 * 1024
# Excel uploads are refused before parsing beyond these limits, and parsed in a child process
# whose address space is capped (dangjian/core/xlsx.py). The 176k-row benchmark roster declares
# 176,005 rows and its parser peaks at about 600 MB resident.
# Uploaded rosters wait for confirmation at most this long (they hold full personal data); see
# manage.py sweep_uploads.
IMPORT_UPLOAD_MAX_AGE_HOURS = float(os.environ.get("IMPORT_UPLOAD_MAX_AGE_HOURS", "2"))
XLSX_MAX_UNCOMPRESSED_MB = int(os.environ.get("XLSX_MAX_UNCOMPRESSED_MB", "500"))
XLSX_MAX_RATIO = int(os.environ.get("XLSX_MAX_RATIO", "200"))
XLSX_MAX_ENTRIES = int(os.environ.get("XLSX_MAX_ENTRIES", "2000"))
XLSX_MAX_ROWS = int(os.environ.get("XLSX_MAX_ROWS", "400000"))
XLSX_MAX_COLUMNS = int(os.environ.get("XLSX_MAX_COLUMNS", "256"))
XLSX_MAX_CELLS = int(os.environ.get("XLSX_MAX_CELLS", "8000000"))
XLSX_PARSE_MEMORY_MB = int(os.environ.get("XLSX_PARSE_MEMORY_MB", "1536"))
XLSX_PARSE_TIMEOUT_SECONDS = int(os.environ.get("XLSX_PARSE_TIMEOUT_SECONDS", "600"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# /api/v1/docs and /api/v1/openapi.json need a login (session or bearer token) in production.
API_DOCS_REQUIRE_LOGIN = env_bool("API_DOCS_REQUIRE_LOGIN", PRODUCTION)
NINJA_PAGINATION_PER_PAGE = 50
PAGE_SIZE = 50

# 任期 in years by org kind; 村/社区 orgs at every level serve 5 (2018 任期意见). Editable per deployment.
TERM_YEARS_BY_KIND = {
    "committee": 5,
    "working_committee": 5,
    "leading_group": 5,
    "general_branch": 3,
    "branch": 3,
    "joint_branch": 3,
    "temporary_branch": 3,
}
TERM_YEARS_BY_SECTOR = {"rural": 5, "community": 5}

# Activity records
ACTIVITY_ATTACHMENT_MAX_MB = int(os.environ.get("ACTIVITY_ATTACHMENT_MAX_MB", "10"))  # per attachment
ACTIVITY_ABSENCE_THRESHOLD = 3  # consecutive 缺席 (without leave) that flag a member to the secretary
ACTIVITY_ABSENCE_WINDOW_DAYS = 365  # how far back the absence flags look

# Compliance: how many calendar years (the current one included) are judged and rebuilt; results
# of closed periods are kept for COMPLIANCE_RETENTION_YEARS (campaign rules: while they exist).
COMPLIANCE_HISTORY_YEARS = int(os.environ.get("COMPLIANCE_HISTORY_YEARS", "2"))
COMPLIANCE_RETENTION_YEARS = int(os.environ.get("COMPLIANCE_RETENTION_YEARS", "5"))


def _records_from(text: str) -> dt.date | None:
    """纪实起始日期 of the deployment (ISO date): periods ending before it are 无记录."""
    if not text.strip():
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"COMPLIANCE_RECORDS_FROM（纪实起始日期）格式应为 YYYY-MM-DD：{text!r}"
        ) from exc
    if day > dt.date.today():  # noqa: DTZ011 - a calendar date from the environment
        raise ImproperlyConfigured(f"COMPLIANCE_RECORDS_FROM（纪实起始日期）不能晚于今天：{text}")
    return day


COMPLIANCE_RECORDS_FROM = _records_from(os.environ.get("COMPLIANCE_RECORDS_FROM", ""))
