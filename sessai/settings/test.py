"""Settings for pytest: same database engine as production (PostgreSQL), fast hashing, locmem email."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".pytest_media"  # noqa: F405
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Job workers in a test close their connections after each job (the test database is dropped at the end).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# The flush between transactional tests DELETEs rows (sessai/tests/db) and may empty the
# append-only audit log (sessai/migrations/0001); nothing else may, here or anywhere.
DATABASES["default"]["ENGINE"] = "sessai.tests.db"  # noqa: F405
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c sessai.test_flush=on"  # noqa: F405
