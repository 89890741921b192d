"""Times the console's dashboard on the database DATABASE_URL names (the benchmark's: `make bench`
seeds it, 1,000,000 sessions and 201 practices), and rewrites bench/CONSOLE.md.

    DATABASE_URL=postgres://…/sessai_bench .venv/bin/python bench/console_dashboard.py [--runs 20]

Measures `console.dashboard.dashboard()` (the queries and the charts) and the whole
`GET /admin/` as a signed-in operator (Django's test client: template, app list, session), each
after one warm-up, with the query count."""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sessai.settings.dev")


def _times(fn, runs: int) -> list[float]:
    fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    django.setup()
    from sessai import scope

    scope.use_platform("command")  # a benchmark's own set-up spans practices
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Practice, User
    from billing.models import CreditLedgerEntry
    from console.dashboard import dashboard
    from scheduling.models import Session

    settings.ALLOWED_HOSTS = ["*"]
    user = User.objects.filter(email="bench-ops@sessai.com").first() or User.objects.create_superuser(
        email="bench-ops@sessai.com", password="OpsClave123", name="Bench Ops"
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session["console_mfa"] = True
    session.save()

    def page():
        response = client.get("/admin/")
        assert response.status_code == 200, response.status_code

    with CaptureQueriesContext(connection) as queries:
        dashboard()
    data_queries = len(queries)
    with CaptureQueriesContext(connection) as queries:
        page()
    page_queries = len(queries)
    rows = []
    for name, fn, count in (
        ("dashboard() — queries and charts", dashboard, data_queries),
        ("GET /admin/ (whole page)", page, page_queries),
    ):
        t = sorted(_times(fn, args.runs))
        rows.append(
            f"| {name} | {statistics.median(t):.1f} | {t[int(len(t) * 0.95) - 1]:.1f} | {t[-1]:.1f} | {count} |"
        )
    sizes = (
        f"{Session.objects.count():,} sessions, {Practice.objects.count():,} practices, "
        f"{CreditLedgerEntry.objects.count():,} ledger rows"
    )
    text = "\n".join(
        [
            "# The console's dashboard at benchmark size",
            "",
            "Written by `bench/console_dashboard.py`; nothing here is typed by hand.",
            "",
            f"- Data: {sizes}.",
            f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"PostgreSQL {connection.cursor().connection.info.server_version}; in-process, {args.runs} runs after one warm-up.",
            "",
            "| what | p50 ms | p95 ms | max ms | queries |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    (ROOT / "bench" / "CONSOLE.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
