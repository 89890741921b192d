"""Production: everything from the environment; refuses to start with development secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    DATABASE_APP_PASSWORD,
    DATABASE_APP_USER,
    DEV_DATABASE_APP_PASSWORD,
    DEV_SECRET_KEY,
    SECRET_KEY,
    env,
    env_bool,
    env_int,
)

DEBUG = env_bool("DEBUG", False)

if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY must be set to a private value of at least 32 characters when DEBUG is off.")

if not DATABASE_APP_USER:
    raise ImproperlyConfigured(
        "DATABASE_APP_USER must name the application's database role: row-level security binds it, not the owner."
    )
if DATABASE_APP_PASSWORD == DEV_DATABASE_APP_PASSWORD and DATABASE_APP_USER != DATABASE_OWNER["USER"]:  # noqa: F405
    raise ImproperlyConfigured("DATABASE_APP_PASSWORD must be set to a private value in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^api/health"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LOG_FORMAT = env("LOG_FORMAT", "json")
SPECTACULAR_SETTINGS["SERVERS"] = [  # noqa: F405
    {"url": "/", "description": f"Este servidor ({env('SESSAI_ENVIRONMENT', 'production')})", "x-internal": False},
]
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
