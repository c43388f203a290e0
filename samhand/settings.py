"""Django settings for samhand, read from the environment (see .env.example).

SAMHAND_MODE selects the safety net: ``production`` (default) refuses to start
without a secret key and allowed hosts; ``demo`` and ``test`` fill in local
defaults so the two quick-start commands work on a fresh machine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from samhand.lib.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_int_map,
    env_list,
    env_path,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

MODE = env_choice("SAMHAND_MODE", ("production", "demo", "test"), "production")
LOCAL_MODE = MODE in ("demo", "test")

DEBUG = env_bool("SAMHAND_DEBUG", False)

SECRET_KEY = env_str("SAMHAND_SECRET_KEY")
if not SECRET_KEY:
    if not LOCAL_MODE:
        raise ImproperlyConfigured(
            "SAMHAND_SECRET_KEY must be set (or SAMHAND_MODE=demo for a local demo)"
        )
    # Local modes only: a stable key derived from the checkout path, never used in production.
    SECRET_KEY = "insecure-local-" + hashlib.sha256(str(BASE_DIR).encode()).hexdigest()

ALLOWED_HOSTS = env_list("SAMHAND_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if LOCAL_MODE else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("SAMHAND_ALLOWED_HOSTS must list the host names the node answers to")
CSRF_TRUSTED_ORIGINS = env_list("SAMHAND_CSRF_TRUSTED_ORIGINS", [])

# Where this node is reachable, for links in notices and demo credentials.
PUBLIC_URL = env_str("SAMHAND_PUBLIC_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "samhand.directory",
    "samhand.accounts",
    "samhand.access",
    "samhand.exchange",
    "samhand.transports",
    "samhand.chains",
    "samhand.monitoring",
    "samhand.video",
    "samhand.deviations",
    "samhand.api",
    "samhand.portal",
    "samhand.simulator",
    "samhand.node",
    "samhand.dialogue",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "samhand.portal.middleware.NorwegianFirstMiddleware",  # bokmål unless the user chose a language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "samhand.urls"
WSGI_APPLICATION = "samhand.wsgi.application"
ASGI_APPLICATION = "samhand.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATA_DIR = env_path("SAMHAND_DATA_DIR", BASE_DIR / "var")
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'samhand.sqlite3'}")
DATABASES = {"default": parse_database_url(DATABASE_URL, base_dir=BASE_DIR)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env_path("SAMHAND_STATIC_ROOT", DATA_DIR / "static")

# Sessions end after inactivity (portal users handle patient data).
SESSION_COOKIE_AGE = env_int("SAMHAND_SESSION_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_COOKIES = env_bool("SAMHAND_SECURE_COOKIES", not LOCAL_MODE)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- The exchange node -------------------------------------------------------

# Official KITH/e-helse schema set. Without it the node checks structure only and says so.
SAMHAND_SCHEMA_DIR = env_path("SAMHAND_SCHEMA_DIR", None)
if SAMHAND_SCHEMA_DIR is None and LOCAL_MODE:
    _dev_schemas = BASE_DIR.parent / "shared" / "kith" / "schemas"
    SAMHAND_SCHEMA_DIR = _dev_schemas if _dev_schemas.is_dir() else None

# Largest business document accepted (bytes, decoded). HTTP bodies carry base64, a third larger.
SAMHAND_MAX_MESSAGE_BYTES = env_int("SAMHAND_MAX_MESSAGE_BYTES", 10 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = SAMHAND_MAX_MESSAGE_BYTES * 4 // 3 + 64 * 1024

# Private keys of hosted parties are sealed at rest with this secret (never in the repository).
# Required in production once a party has a key; local modes derive one from SECRET_KEY.
SAMHAND_KEY_SECRET = env_str("SAMHAND_KEY_SECRET")
if not SAMHAND_KEY_SECRET and LOCAL_MODE:
    SAMHAND_KEY_SECRET = "local-keys-" + hashlib.sha256(SECRET_KEY.encode()).hexdigest()
# Warn the party's meldingsansvarlig this many days before a certificate expires.
SAMHAND_CERT_WARN_DAYS = env_int("SAMHAND_CERT_WARN_DAYS", 30, minimum=1)

# How long a process may reuse a directory look-up (party, its certificates and capabilities).
SAMHAND_DIRECTORY_CACHE_SECONDS = env_int("SAMHAND_DIRECTORY_CACHE_SECONDS", 10, minimum=0)
# How long a process remembers a valid API key; a revoked key stops working within this time.
SAMHAND_API_KEY_CACHE_SECONDS = env_int("SAMHAND_API_KEY_CACHE_SECONDS", 5, minimum=0)
# Longest long poll of GET /api/v1/messages?wait=… (seconds).
SAMHAND_API_MAX_WAIT_SECONDS = env_int("SAMHAND_API_MAX_WAIT_SECONDS", 30, minimum=0)
# Prepended to every AMQP queue name (transports/amqp/profile.py reads it; empty in production).
SAMHAND_AMQP_QUEUE_PREFIX = env_str("SAMHAND_AMQP_QUEUE_PREFIX", "")

# AMQP 1.0 transport between nodes (the national service-bus profile). Empty: parties not
# hosted here have no route. Example: amqp://user:pass@broker.example.no:5672
SAMHAND_AMQP_URL = env_str("SAMHAND_AMQP_URL", "")
SAMHAND_AMQP_CPA_ID = env_str("SAMHAND_AMQP_CPA_ID", "")
SAMHAND_AMQP_TIMEOUT = env_float("SAMHAND_AMQP_TIMEOUT", 10.0)
# Declare the hosted parties' _async/_error queues at worker start (local brokers; on the
# national bus the queues are provisioned by its operator).
SAMHAND_AMQP_DECLARE_QUEUES = env_bool("SAMHAND_AMQP_DECLARE_QUEUES", LOCAL_MODE)

# Worker behaviour.
SAMHAND_WORKER_BATCH = env_int("SAMHAND_WORKER_BATCH", 20, minimum=1)
SAMHAND_WORKER_IDLE_SECONDS = env_float("SAMHAND_WORKER_IDLE_SECONDS", 0.5)
SAMHAND_WORKER_POLL_SECONDS = env_float("SAMHAND_WORKER_POLL_SECONDS", 2.0)
# Once a message has arrived (or a wake-up says deliveries are queued), a worker waits this many
# milliseconds for the rest of the burst before it takes a batch: on a busy node one transaction
# and one publish then carry several messages instead of one each. At most that much latency per hop.
SAMHAND_WORKER_GATHER_MS = env_int("SAMHAND_WORKER_GATHER_MS", 20, minimum=0)
# How often a running worker hands the event feed to the subscribers (chains, monitoring's ledger,
# deviations, dialogue): at most this often while busy, so each step takes many messages' events
# (their work lags a message by under a second; none of it is on the message's way).
SAMHAND_SUBSCRIBERS_INTERVAL_SECONDS = env_float("SAMHAND_SUBSCRIBERS_INTERVAL_SECONDS", 0.5)
SAMHAND_LEASE_SECONDS = env_int("SAMHAND_LEASE_SECONDS", 60, minimum=5)
SAMHAND_MAX_ATTEMPTS = env_int("SAMHAND_MAX_ATTEMPTS", 10, minimum=1)

# Standard chain (docs/chains.md): close discharged episodes after a grace period, silent ones when idle.
SAMHAND_CHAIN_DISCHARGE_GRACE_DAYS = env_int("SAMHAND_CHAIN_DISCHARGE_GRACE_DAYS", 7, minimum=1)
SAMHAND_CHAIN_IDLE_DAYS = env_int("SAMHAND_CHAIN_IDLE_DAYS", 60, minimum=1)

# Monitoring (docs/monitoring.md): receipt watch, alerts, probes, downtime, manual routine.
SAMHAND_MONITOR_INTERVAL_SECONDS = env_int("SAMHAND_MONITOR_INTERVAL_SECONDS", 15, minimum=1)
SAMHAND_MONITOR_LOOKBACK_DAYS = env_int("SAMHAND_MONITOR_LOOKBACK_DAYS", 14, minimum=1)
SAMHAND_APPREC_WARN_MINUTES = env_int("SAMHAND_APPREC_WARN_MINUTES", 60, minimum=1)
SAMHAND_APPREC_WARN_MINUTES_BY_TYPE = env_int_map("SAMHAND_APPREC_WARN_MINUTES_BY_TYPE")
SAMHAND_APPREC_TIMEOUT_HOURS = env_int("SAMHAND_APPREC_TIMEOUT_HOURS", 96, minimum=1)
SAMHAND_BACKLOG_WARN_MINUTES = env_int("SAMHAND_BACKLOG_WARN_MINUTES", 15, minimum=1)
SAMHAND_ALERT_ESCALATE_MINUTES = env_int("SAMHAND_ALERT_ESCALATE_MINUTES", 30, minimum=1)
SAMHAND_ONCALL_EMAILS = env_list("SAMHAND_ONCALL_EMAILS")
SAMHAND_SMS_EMAIL_GATEWAY = env_str("SAMHAND_SMS_EMAIL_GATEWAY", "")
SAMHAND_SUSPECT_AFTER_MESSAGES = env_int("SAMHAND_SUSPECT_AFTER_MESSAGES", 3, minimum=1)
SAMHAND_SUSPECT_AFTER_PROBE_FAILURES = env_int("SAMHAND_SUSPECT_AFTER_PROBE_FAILURES", 2, minimum=1)
SAMHAND_PROBE_SENDER_HER_ID = env_str("SAMHAND_PROBE_SENDER_HER_ID", "")
SAMHAND_PROBE_INTERVAL_MINUTES = env_int("SAMHAND_PROBE_INTERVAL_MINUTES", 60, minimum=1)
SAMHAND_PROBE_TIMEOUT_MINUTES = env_int("SAMHAND_PROBE_TIMEOUT_MINUTES", 15, minimum=1)
SAMHAND_MANUAL_AFTER_MINUTES = env_int("SAMHAND_MANUAL_AFTER_MINUTES", 240, minimum=1)
SAMHAND_MANUAL_AFTER_MINUTES_BY_TYPE = env_int_map("SAMHAND_MANUAL_AFTER_MINUTES_BY_TYPE")
SAMHAND_DOWNTIME_GRACE_MINUTES = env_int("SAMHAND_DOWNTIME_GRACE_MINUTES", 60, minimum=0)
SAMHAND_PARTNER_LOOKBACK_DAYS = env_int("SAMHAND_PARTNER_LOOKBACK_DAYS", 90, minimum=1)

# Dialogue and misdirected messages (S2, S11, S12); the approved routines override these defaults.
SAMHAND_DIALOGUE_ANSWER_HOURS = env_int("SAMHAND_DIALOGUE_ANSWER_HOURS", 72, minimum=1)
SAMHAND_DIALOGUE_URGENT_MINUTES = env_int("SAMHAND_DIALOGUE_URGENT_MINUTES", 60, minimum=1)
SAMHAND_DIALOGUE_ESCALATE_MINUTES = env_int("SAMHAND_DIALOGUE_ESCALATE_MINUTES", 30, minimum=1)
SAMHAND_DIALOGUE_ATTACHMENT_BYTES = env_int("SAMHAND_DIALOGUE_ATTACHMENT_BYTES", 5 * 1024 * 1024, minimum=1024)
SAMHAND_MISDIRECTED_AUDIT_DAYS = env_int("SAMHAND_MISDIRECTED_AUDIT_DAYS", 90, minimum=1)
# /metrics answers only with this bearer token or to these addresses/networks; neither set: 403.
SAMHAND_METRICS_TOKEN = env_str("SAMHAND_METRICS_TOKEN", "")
SAMHAND_METRICS_ALLOWED_IPS = env_list("SAMHAND_METRICS_ALLOWED_IPS")
SAMHAND_METRICS_WINDOW_HOURS = env_int("SAMHAND_METRICS_WINDOW_HOURS", 24, minimum=1)

# Portal login protection.
SAMHAND_LOGIN_MAX_FAILURES = env_int("SAMHAND_LOGIN_MAX_FAILURES", 5, minimum=1)
SAMHAND_LOGIN_LOCKOUT_SECONDS = env_int("SAMHAND_LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)

# E-mail to meldingsansvarlig (alerts, downtime notices).
EMAIL_BACKEND = env_str("SAMHAND_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
                        if not LOCAL_MODE else "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("SAMHAND_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("SAMHAND_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("SAMHAND_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("SAMHAND_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SAMHAND_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("SAMHAND_EMAIL_FROM", "samhand@localhost")

# Video meetings (docs/video.md): the meeting provider and its credentials. In production nothing
# is assumed: without URL, app id and secret no video link is issued (fail closed); demo and test
# modes use a demo Jitsi address and a secret derived from SECRET_KEY.
SAMHAND_VIDEO_PROVIDER = env_choice("SAMHAND_VIDEO_PROVIDER", ("jitsi",), "jitsi")
SAMHAND_VIDEO_URL = env_str("SAMHAND_VIDEO_URL", "https://meet.samhand-demo.invalid" if LOCAL_MODE else "")
SAMHAND_VIDEO_APP_ID = env_str("SAMHAND_VIDEO_APP_ID", "samhand-demo" if LOCAL_MODE else "")
SAMHAND_VIDEO_AUDIENCE = env_str("SAMHAND_VIDEO_AUDIENCE", "jitsi")
SAMHAND_VIDEO_SECRET = env_str("SAMHAND_VIDEO_SECRET", "")
if not SAMHAND_VIDEO_SECRET and LOCAL_MODE:
    SAMHAND_VIDEO_SECRET = "local-video-" + hashlib.sha256(SECRET_KEY.encode()).hexdigest()
if SAMHAND_VIDEO_SECRET and len(SAMHAND_VIDEO_SECRET) < 32:
    raise ImproperlyConfigured("SAMHAND_VIDEO_SECRET must be at least 32 characters (HS256 key)")

LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("SAMHAND_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Security hardening (docs/security.md) -------------------------------------------------
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "samhand.security"]
# First: REMOTE_ADDR becomes the client address through trusted proxies only.
MIDDLEWARE.insert(0, "samhand.security.middleware.TrustedProxyMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "django_otp.middleware.OTPMiddleware")
# Outermost after the proxy fix: every response (redirects and refusals too) gets the CSP.
MIDDLEWARE.insert(1, "samhand.security.middleware.SecurityHeadersMiddleware")
MIDDLEWARE.insert(2, "samhand.api.middleware.ApiBodyLimitMiddleware")  # 413 / T99 problem details
# Reverse proxies in front of the node (CIDRs): X-Forwarded-For/-Proto believed from these only.
SAMHAND_TRUSTED_PROXIES = env_list("SAMHAND_TRUSTED_PROXIES")
if SAMHAND_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SAMHAND_ALLOW_SQLITE = env_bool("SAMHAND_ALLOW_SQLITE", False)
# The Django admin: on in the demo and tests, off in production unless SAMHAND_ADMIN=1.
SAMHAND_ADMIN_ENABLED = env_bool("SAMHAND_ADMIN", LOCAL_MODE)
# Second factor (TOTP) for password logins: always in production; the demo may go without.
SAMHAND_OTP_REQUIRED = MODE == "production" or env_bool("SAMHAND_OTP_REQUIRED", False)
OTP_TOTP_ISSUER = "samhand"
SAMHAND_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("SAMHAND_LOGIN_MAX_FAILURES_PER_ADDRESS", 20, minimum=1)
SAMHAND_LOGIN_MAX_FAILURES_PER_MINUTE = env_int("SAMHAND_LOGIN_MAX_FAILURES_PER_MINUTE", 100, minimum=1)
# OpenID Connect (HelseID): issuer, client id and the client's private key (private_key_jwt).
SAMHAND_OIDC_ISSUER = env_str("SAMHAND_OIDC_ISSUER", "")
SAMHAND_OIDC_CLIENT_ID = env_str("SAMHAND_OIDC_CLIENT_ID", "")
SAMHAND_OIDC_PRIVATE_KEY = env_str("SAMHAND_OIDC_PRIVATE_KEY", "")  # path to a PEM or JWK file
SAMHAND_OIDC_KEY_ID = env_str("SAMHAND_OIDC_KEY_ID", "")
SAMHAND_OIDC_ASSERTION_AUDIENCE = env_str("SAMHAND_OIDC_ASSERTION_AUDIENCE", "")  # default: token endpoint
SAMHAND_OIDC_REDIRECT_URL = env_str("SAMHAND_OIDC_REDIRECT_URL", "")
SAMHAND_OIDC_SCOPES = env_str("SAMHAND_OIDC_SCOPES", "openid profile helseid://scopes/identity/hpr_number "
                              "helseid://scopes/identity/pid")
SAMHAND_OIDC_HPR_CLAIM = env_str("SAMHAND_OIDC_HPR_CLAIM", "helseid://claims/hpr/hpr_number")
SAMHAND_OIDC_PID_CLAIM = env_str("SAMHAND_OIDC_PID_CLAIM", "helseid://claims/identity/pid")
SAMHAND_OIDC_ORG_CLAIM = env_str("SAMHAND_OIDC_ORG_CLAIM", "helseid://claims/client/claims/orgnr_parent")
# HTTPS: HSTS and redirect in production (health and metrics answer plain HTTP for probes).
SECURE_HSTS_SECONDS = env_int("SAMHAND_HSTS_SECONDS", 0 if LOCAL_MODE else 365 * 24 * 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SAMHAND_HSTS_INCLUDE_SUBDOMAINS", not LOCAL_MODE)
SECURE_HSTS_PRELOAD = env_bool("SAMHAND_HSTS_PRELOAD", not LOCAL_MODE)
SECURE_SSL_REDIRECT = env_bool("SAMHAND_SSL_REDIRECT", not LOCAL_MODE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
# The debug page and error mails mask every setting that holds a URL with credentials.
DEFAULT_EXCEPTION_REPORTER_FILTER = "samhand.security.reporting.CredentialMaskingFilter"
# The access broker and log (issue 15): care-relation window, how long a permit and an emergency
# access last, the daily volume that puts a user on the review queue, the document categories
# (MsgInfo/Type) another organisation may be shown.
SAMHAND_ACCESS_RELATION_DAYS = env_int("SAMHAND_ACCESS_RELATION_DAYS", 90, minimum=1)
SAMHAND_ACCESS_PERMIT_MINUTES = env_int("SAMHAND_ACCESS_PERMIT_MINUTES", 480, minimum=1)
SAMHAND_ACCESS_EMERGENCY_MINUTES = env_int("SAMHAND_ACCESS_EMERGENCY_MINUTES", 240, minimum=1)
SAMHAND_ACCESS_VOLUME_PER_DAY = env_int("SAMHAND_ACCESS_VOLUME_PER_DAY", 30, minimum=1)
SAMHAND_ACCESS_CATEGORIES = env_list("SAMHAND_ACCESS_CATEGORIES", [
    "UTSKRIVNINGSRAPPORT", "INNLEGGELSESRAPPORT", "HELSEOPPL_SOKNAD", "EPIKRISE", "MEDISINSKE_OPPLYSNINGER",
    "HELSEOPPLYSNINGER_LEGE", "ORIENTERING_TJENESTETILBUD", "DIALOG_HELSEFAGLIG", "DIALOG_FORESPORSEL",
    "DIALOG_SVAR"])
