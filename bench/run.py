"""Benchmark the hot endpoints on realistic data: `make bench` (or `.venv/bin/python bench/run.py`).

1. Seeds two databases unless they exist (`seed_load`, deterministic): the big one (one practice
   with 50 therapists, 20,000 patients, 1,000,000 sessions, plus 200 other practices) and a
   small one (the same practice with 10,000 sessions), on the same PostgreSQL server.
2. Captures, in-process, the exact SQL each read request runs (and counts it).
3. Starts the real server (gunicorn, production settings) on each database and the floor
   (bench/floor.py: the same SQL through raw psycopg, rows encoded by orjson) on loopback, all
   with the same gunicorn config.
4. Drives each endpoint from this process at 1 and 8 concurrent clients — ours, then the floor,
   then ours on the small database, endpoint by endpoint so that every ratio compares runs made
   under the same machine conditions: p50/p95/p99 latency and requests per second.
5. Does it all twice: at realistic density (28 sessions a therapist-week, `--per-therapist-week`)
   and dense (three years, `seed_load --dense`, databases `<name>_dense`; 1 client), and profiles
   each read in-process (cProfile) at realistic density.
6. Writes bench/RESULTS.md (machine, versions, command, numbers, ratios, the profile, memory of
   the workers before and after, and issue 16's targets met or not).
Nothing in RESULTS.md is typed by hand."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PY, ROOT, database_url, django_setup, drive, machine_lines, start_server, stop_server  # noqa: E402

NAME = "Centro Benchmark"
SMALL_SUFFIX = "_bench10k"
DENSE_SUFFIX = "_dense"
# Issue 16's targets (1 client unless said): small reads within 2.5x of the floor with p99 under
# 30 ms (under 150 ms at 8 clients), the dashboard within 2x, booking p50 under 15 ms, the
# practice-wide week p99 under 50 ms at realistic density, and at most 1.2x from 10k to 1M sessions.
SMALL_READS = [
    "patient list",
    "patient search ?search=mar",
    "patient detail",
    "patient session history",
    "calendar week (one therapist)",
    "billing summary",
]
SMALL_FLOOR_RATIO, SMALL_P99_MS, SMALL_P99_8_MS = 2.5, 30, 150
DASHBOARD_FLOOR_RATIO = 2.0
BOOKING_P50_MS = 15
PRACTICE_WEEK_P99_MS = 50
GROWTH_TARGET = 1.2


@contextmanager
def using_database(name: str):
    """Point this process's Django connection at another database on the same server."""
    from django.db import connection

    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def ensure_database(name: str, url: str, args, *, sessions: int, practices: int, dense: bool) -> None:
    """Create, migrate and seed a database on the same server, unless the practice is there."""
    from sessai.db import as_owner

    with as_owner() as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    seed(args, sessions=sessions, practices=practices, env=env, dense=dense)
    subprocess.run(
        ["psql", url, "-q", "-c", "VACUUM ANALYZE"], check=False, capture_output=True
    )  # visibility map: index-only scans


def seed(args, *, sessions: int, practices: int, env=None, dense: bool = False) -> None:
    density = ["--dense"] if dense else ["--per-therapist-week", str(args.per_therapist_week)]
    subprocess.run(
        [
            PY,
            "manage.py",
            "seed_load",
            "--practices",
            str(practices),
            "--therapists-per-practice",
            "50",
            "--patients",
            str(args.patients),
            "--sessions",
            str(sessions),
            "--seed",
            "7",
            "--name",
            NAME,
            *density,
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )


def endpoints() -> tuple[str, dict]:
    """An admin's access token, and name → (method, path_fn) for the practice in the database
    Django is connected to."""
    from accounts.models import Membership
    from accounts.services import session_start
    from patients.models import Patient
    from scheduling.models import Session

    Session.objects.filter(
        practice__name=NAME, starts_at__gte=datetime(2030, 1, 1, tzinfo=UTC)
    ).delete()  # earlier runs' bookings: same data every run
    admin = Membership.objects.select_related("user").get(practice__name=NAME, role="admin").user
    token = session_start(user=admin)["access_token"]
    patient_id = (
        Patient.objects.filter(practice__name=NAME)
        .order_by("-total_sessions", "id")
        .values_list("id", flat=True)
        .first()
    )
    therapist_ids = list(
        Membership.objects.filter(practice__name=NAME, role="therapist")
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )

    def booking(n):
        day = datetime(2030, 1, 1, tzinfo=UTC).toordinal() + (n % 700)
        date = datetime.fromordinal(day).date().isoformat()
        return "/api/sessions", {
            "patientId": str(patient_id),
            "therapistId": str(therapist_ids[n % len(therapist_ids)]),
            "date": date,
            "startTime": f"{8 + (n // 700) % 12:02d}:00",
            "allowOutsideAvailability": True,
        }

    def get(path):
        return "GET", lambda n: (path, None)

    week = urllib.parse.urlencode({"start": "2026-10-26", "end": "2026-11-02"})
    month = urllib.parse.urlencode({"start": "2026-10-01", "end": "2026-11-01"})
    paths = {
        "patient list": get("/api/patients"),
        "patient search ?search=mar": get("/api/patients?search=mar"),
        "patient detail": get(f"/api/patients/{patient_id}"),
        "patient session history": get(f"/api/patients/{patient_id}/sessions"),
        "calendar week (one therapist)": get(f"/api/sessions?{week}&therapistId={therapist_ids[0]}"),
        "calendar week (practice)": get(f"/api/sessions?{week}"),
        "calendar month (practice)": get(f"/api/sessions?{month}"),
        "dashboard": get("/api/dashboard"),
        "billing summary": get("/api/admin/billing/summary"),
        "session create (booking)": ("POST", booking),
    }
    return token, paths


def capture_sql(paths: dict, token: str) -> tuple[dict, dict]:
    """Each request once in-process through Django's test client: its query count, and for reads
    the exact SQL it ran (what the floor replays)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    counts, statements = {}, {}
    for name, (method, path_fn) in paths.items():
        path, body = path_fn(10_000_000)
        if method == "GET":
            client.get(path)  # warm caches as the server's would be
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data=json.dumps(body), content_type="application/json")
        counts[name] = len(captured.captured_queries) if response.status_code < 400 else f"HTTP {response.status_code}"
        if method == "GET":
            statements[path] = [q["sql"] for q in captured.captured_queries]
    return counts, statements


def count_plans(paths: dict, statements: dict) -> list[tuple]:
    """Each read's page total (its `SELECT COUNT(*)`) as PostgreSQL runs it: the scans, the rows it
    had to fetch from the table (heap fetches; 0 for an index-only scan over an all-visible table),
    and the execution time."""
    import re

    from django.db import connection

    out = []
    for name, (method, path_fn) in paths.items():
        path = path_fn(0)[0] if method == "GET" else None
        for sql in statements.get(path, []):
            if not sql.startswith("SELECT COUNT(*)"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            scans = [re.sub(r"\s+\(cost.*", "", line.strip(" ->")) for line in plan if " Scan " in line]
            fetches = sum(int(m) for line in plan for m in re.findall(r"Heap Fetches: (\d+)", line))
            heap_blocks = sum(int(m) for line in plan for m in re.findall(r"Heap Blocks: exact=(\d+)", line))
            ms = float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))
            out.append((name, "; ".join(scans), fetches + heap_blocks, ms))
    return out


def measure(
    args, *, big_url, small_url, statements, paths, token, small_paths, small_token, clients_list=(1, 8)
) -> tuple[dict, dict]:
    """Our server on each database and the floor, all running at once and driven endpoint by
    endpoint in turn (ours, floor, ours on 10k), so the ratios compare runs made under the same
    machine conditions. Returns ({(name, clients) | ("floor", name, clients): result},
    {(name, 1): result on the small database})."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(statements, handle)
    ours, floor_port, small_port = args.port, args.port + 1, args.port + 2
    servers = [
        start_server(ours, big_url),
        start_server(
            floor_port,
            big_url,
            app="floor:application",
            # the floor replays the SQL as the owner, whom no policy binds (ours pays row-level security)
            extra_env={"FLOOR_QUERIES": handle.name, "PYTHONPATH": str(ROOT / "bench"), "DATABASE_URL": big_url},
        ),
        start_server(small_port, small_url),
    ]
    big, small = {}, {}
    rss_before = _rss(servers[0])
    try:
        for name, (method, path_fn) in paths.items():
            total = args.requests if "calendar" not in name or "therapist" in name else max(16, args.requests // 10)
            for clients in clients_list:
                big[(name, clients)] = r = drive(ours, method, path_fn, token, clients, total)
                line = f"{name:32s} c={clients} p50 {r['p50']:8.1f} ms p99 {r['p99']:8.1f} {r['rps']:7.1f} req/s errors {r['errors']}"
                if method == "GET":
                    big[("floor", name, clients)] = f = drive(floor_port, method, path_fn, None, clients, total)
                    line += f" | floor p50 {f['p50']:7.1f}"
                if clients == 1:
                    small_method, small_fn = small_paths[name]
                    small[(name, 1)] = m = drive(small_port, small_method, small_fn, small_token, 1, total)
                    line += f" | 10k p50 {m['p50']:7.1f}"
                print(line, flush=True)
        big["rss"] = (rss_before, _rss(servers[0]))
    finally:
        for server in servers:
            stop_server(server)
        Path(handle.name).unlink()
    return big, small


def _rss(server) -> int:
    """KB of resident memory of a gunicorn master's workers, summed."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(server.pid)], capture_output=True, text=True).stdout
    return sum(int(x) for x in out.split())


# Where a request's time goes, from cProfile in-process (Django's test client; production
# settings are not needed for the proportions). Cumulative times of the outermost calls: SQL is
# also inside "serializers" when a serializer evaluates a queryset.
PROFILE_PARTS = [
    ("auth (device + membership)", "accounts/authentication.py", "live_membership"),
    ("SQL (execute + fetch)", "psycopg/cursor.py", "execute"),
    ("serializers", "rest_framework/serializers.py", "data"),
    ("render (to_wire + orjson)", "sessai/api/renderers.py", "render"),
]


def profile_breakdown(paths: dict, token: str, runs: int = 40) -> dict:
    import cProfile
    import pstats
    import time

    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    result = {}
    for name, (method, path_fn) in paths.items():
        if method != "GET":
            continue
        path, _ = path_fn(0)
        client.get(path)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(runs):
            client.get(path)
        profiler.disable()
        total = (time.perf_counter() - started) / runs * 1000
        stats = pstats.Stats(profiler).stats
        parts = {}
        for label, filename, function in PROFILE_PARTS:
            matched = {key for key in stats if key[0].endswith(filename) and key[2] == function}
            # time spent in these functions when called from elsewhere (a nested call among them counts once)
            outside = sum(
                timing[3] for key in matched for caller, timing in stats[key][4].items() if caller not in matched
            )
            parts[label] = outside / runs * 1000
        result[name] = (total, parts)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=201)
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--small-sessions", type=int, default=10_000, help="sessions in the comparison database")
    parser.add_argument("--per-therapist-week", type=float, default=28.0, help="realistic density (seed_load)")
    parser.add_argument("--no-dense", action="store_true", help="skip the dense worst case (three years)")
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint and concurrency level")
    parser.add_argument("--port", type=int, default=3011)
    args = parser.parse_args()

    big_url = django_setup()
    from django.db import connection

    base = connection.settings_dict["NAME"]
    runs = {}
    for density, dense in (("realistic", False), ("dense", True)):
        if dense and args.no_dense:
            continue
        big_name = base + (DENSE_SUFFIX if dense else "")
        small_name = big_name + SMALL_SUFFIX
        urls = {name: database_url(name) for name in (big_name, small_name)}
        if dense:
            ensure_database(
                big_name, urls[big_name], args, sessions=args.sessions, practices=args.practices, dense=True
            )
        else:
            seed(args, sessions=args.sessions, practices=args.practices)
            subprocess.run(["psql", big_url, "-q", "-c", "VACUUM ANALYZE"], check=False, capture_output=True)
        ensure_database(small_name, urls[small_name], args, sessions=args.small_sessions, practices=1, dense=dense)
        with using_database(big_name):
            token, paths = endpoints()
            queries, statements = capture_sql(paths, token)
            profile = None if dense else profile_breakdown(paths, token)
            plans = count_plans(paths, statements)
        with using_database(small_name):
            small_token, small_paths = endpoints()
        big, small = measure(
            args,
            big_url=urls[big_name],
            small_url=urls[small_name],
            statements=statements,
            paths=paths,
            token=token,
            small_paths=small_paths,
            small_token=small_token,
            clients_list=(1,) if dense else (1, 8),
        )
        runs[density] = (paths, big, small, queries, profile, plans)
    write_results(args, runs)


def _verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _latency_table(paths, big, queries, clients_list) -> list[str]:
    lines = [
        "| endpoint | clients | p50 ms | p95 ms | p99 ms | req/s | errors | 409 | queries | answer KB "
        "| floor p50 | floor p99 | ours/floor p50 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in paths:
        for clients in clients_list:
            r = big[(name, clients)]
            f = big.get(("floor", name, clients))
            floor_cells = f"{f['p50']:.1f} | {f['p99']:.1f} | {r['p50'] / f['p50']:.1f}×" if f else "– | – | –"
            lines.append(
                f"| {name} | {clients} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['rps']:.1f} | {r['errors']} | "
                f"{r['conflicts']} | {queries.get(name, '')} | {r['bytes'] / 1024:,.0f} | {floor_cells} |"
            )
    return lines


def _targets(args, paths, big, small) -> list[str]:
    lines = ["| endpoint | target | measured | met |", "|---|---|---|---|"]

    def row(name, target, measured, ok):
        lines.append(f"| {name} | {target} | {measured} | {_verdict(ok)} |")

    for name in paths:
        r, s_ = big[(name, 1)], small[(name, 1)]
        f = big.get(("floor", name, 1))
        if name in SMALL_READS:
            row(
                name,
                f"p50 ≤ {SMALL_FLOOR_RATIO:g}× floor",
                f"{r['p50'] / f['p50']:.1f}×",
                r["p50"] <= SMALL_FLOOR_RATIO * f["p50"],
            )
            row(name, f"p99 < {SMALL_P99_MS} ms (1 client)", f"{r['p99']:.1f} ms", r["p99"] < SMALL_P99_MS)
            if (name, 8) in big:
                row(
                    name,
                    f"p99 < {SMALL_P99_8_MS} ms (8 clients)",
                    f"{big[(name, 8)]['p99']:.1f} ms",
                    big[(name, 8)]["p99"] < SMALL_P99_8_MS,
                )
        elif name == "dashboard":
            row(
                name,
                f"p50 ≤ {DASHBOARD_FLOOR_RATIO:g}× floor",
                f"{r['p50'] / f['p50']:.1f}×",
                r["p50"] <= DASHBOARD_FLOOR_RATIO * f["p50"],
            )
        elif name.startswith("session create"):
            row(name, f"p50 < {BOOKING_P50_MS} ms", f"{r['p50']:.1f} ms", r["p50"] < BOOKING_P50_MS)
        elif name == "calendar week (practice)":
            row(name, f"p99 < {PRACTICE_WEEK_P99_MS} ms", f"{r['p99']:.1f} ms", r["p99"] < PRACTICE_WEEK_P99_MS)
        row(
            name,
            f"p50 at {args.sessions:,} ≤ {GROWTH_TARGET:g}× p50 at {args.small_sessions:,}",
            f"{r['p50'] / s_['p50']:.2f}×",
            r["p50"] <= GROWTH_TARGET * s_["p50"],
        )
    return lines


def write_results(args, runs):
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `bench/run.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Do not edit by hand: run `make bench`.",
        "",
        *machine_lines(),
        f"- Data: {args.practices} practices; the measured one has 50 therapists, {args.patients} patients, {args.sessions:,} sessions "
        f"(comparison database: the same practice with {args.small_sessions:,} sessions). Realistic density: "
        f"{args.per_therapist_week:g} sessions per therapist-week (`seed_load --per-therapist-week`), so 1M sessions are about "
        f"{args.sessions / 50 / args.per_therapist_week / 52:.0f} years of history; dense: all of them in three years (`--dense`).",
        f"- Command: `{' '.join(['bench/run.py', *sys.argv[1:]])}`; server: gunicorn (2 processes × 8 threads), production settings, "
        "loopback; clients in a second process on the same 2 cores",
        "- Floor: the same SQL statements each request ran (captured in-process), replayed through raw psycopg in a minimal WSGI "
        "app (bench/floor.py) under the same gunicorn config, rows encoded by orjson; no auth, no ORM, no serializers.",
        "- Ours, the floor and ours on the 10k database are driven endpoint by endpoint in turn, so each ratio compares runs "
        "made under the same machine conditions (this shared VM's speed drifts by tens of percent between runs).",
    ]
    for density, (paths, big, small, queries, profile, plans) in runs.items():
        clients_list = (1, 8) if (next(iter(paths)), 8) in big else (1,)
        before, after = big["rss"]
        lines += [
            "",
            f"## {density.capitalize()} density: latency at {args.sessions:,} sessions",
            "",
            *_latency_table(paths, big, queries, clients_list),
            "",
            f"Memory of our 2 workers: {before / 1024:,.0f} MB before the run, {after / 1024:,.0f} MB after "
            f"({(after - before) / max(before, 1) * 100:+.0f} %).",
            "",
            f"### Targets ({density})",
            "",
            *_targets(args, paths, big, small),
            "",
            f"### Page totals ({density})",
            "",
            "Each list's `SELECT COUNT(*)` under `EXPLAIN (ANALYZE, BUFFERS)` at 1M sessions: rows read from the table "
            "are heap fetches of an index-only scan plus heap blocks of any other scan (0 = answered from the index).",
            "",
            "| endpoint | scans | table rows/blocks read | ms |",
            "|---|---|---|---|",
            *[f"| {name} | {scans} | {read} | {ms:.2f} |" for name, scans, read, ms in plans],
        ]
        if profile:
            labels = [label for label, _f, _fn in PROFILE_PARTS]
            lines += [
                "",
                "## Where a request's time goes (cProfile, in-process, realistic density)",
                "",
                "Cumulative ms per request under the profiler (which slows Python code, not the database, so the shares "
                "of Python parts are overstated). SQL includes the statements serializers run when they evaluate a queryset, and "
                "the authentication's own statement, so the parts can overlap and the rest is approximate.",
                "",
                "| endpoint | total | "
                + " | ".join(labels)
                + " | the rest ≈ (ORM query building, model instances, middleware, DRF) |",
                "|---|---|" + "---|" * (len(labels) + 1),
            ]
            for name, (total, parts) in profile.items():
                rest = total - sum(parts.values())
                lines.append(
                    f"| {name} | {total:.1f} | "
                    + " | ".join(f"{parts[label]:.1f}" for label in labels)
                    + f" | {rest:.1f} |"
                )
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
