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
5. Writes bench/RESULTS.md (machine, versions, command, numbers, ratios and targets met or not).
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
READ_TARGET_P99_MS = 50
FLOOR_RATIO_TARGET = 2.0
GROWTH_TARGET = 1.5


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


def ensure_small_database(name: str, url: str, args) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PY, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True)
    seed(args, sessions=args.small_sessions, practices=1, env=env)


def seed(args, *, sessions: int, practices: int, env=None) -> None:
    subprocess.run([PY, "manage.py", "seed_load", "--practices", str(practices), "--therapists-per-practice", "50",
                    "--patients", str(args.patients), "--sessions", str(sessions), "--seed", "7", "--name", NAME],
                   cwd=ROOT, env=env, check=True)


def endpoints() -> tuple[str, dict]:
    """An admin's access token, and name → (method, path_fn) for the practice in the database
    Django is connected to."""
    from accounts.models import Membership
    from accounts.services import session_start
    from patients.models import Patient
    from scheduling.models import Session

    Session.objects.filter(practice__name=NAME, starts_at__gte=datetime(2030, 1, 1, tzinfo=UTC)).delete()  # earlier runs' bookings: same data every run
    admin = Membership.objects.select_related("user").get(practice__name=NAME, role="admin").user
    token = session_start(user=admin)["access_token"]
    patient_id = Patient.objects.filter(practice__name=NAME).order_by("-total_sessions", "id").values_list("id", flat=True).first()
    therapist_ids = list(Membership.objects.filter(practice__name=NAME, role="therapist").order_by("user_id").values_list("user_id", flat=True))

    def booking(n):
        day = datetime(2030, 1, 1, tzinfo=UTC).toordinal() + (n % 700)
        date = datetime.fromordinal(day).date().isoformat()
        return "/api/sessions", {"patientId": str(patient_id), "therapistId": str(therapist_ids[n % len(therapist_ids)]), "date": date,
                                 "startTime": f"{8 + (n // 700) % 12:02d}:00", "allowOutsideAvailability": True}

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


def measure(args, *, big_url, small_url, statements, paths, token, small_paths, small_token) -> tuple[dict, dict]:
    """Our server on each database and the floor, all running at once and driven endpoint by
    endpoint in turn (ours, floor, ours on 10k), so the ratios compare runs made under the same
    machine conditions. Returns ({(name, clients) | ("floor", name, clients): result},
    {(name, 1): result on the small database})."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(statements, handle)
    ours, floor_port, small_port = args.port, args.port + 1, args.port + 2
    servers = [start_server(ours, big_url),
               start_server(floor_port, big_url, app="floor:application",
                            extra_env={"FLOOR_QUERIES": handle.name, "PYTHONPATH": str(ROOT / "bench")}),
               start_server(small_port, small_url)]
    big, small = {}, {}
    try:
        for name, (method, path_fn) in paths.items():
            total = args.requests if "calendar" not in name or "therapist" in name else max(16, args.requests // 10)
            for clients in (1, 8):
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
    finally:
        for server in servers:
            stop_server(server)
        Path(handle.name).unlink()
    return big, small


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=201)
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--small-sessions", type=int, default=10_000, help="sessions in the comparison database")
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint and concurrency level")
    parser.add_argument("--port", type=int, default=3011)
    args = parser.parse_args()

    big_url = django_setup()
    from django.db import connection

    seed(args, sessions=args.sessions, practices=args.practices)
    small_name = connection.settings_dict["NAME"] + SMALL_SUFFIX
    small_url = database_url(small_name)
    ensure_small_database(small_name, small_url, args)

    token, paths = endpoints()
    queries, statements = capture_sql(paths, token)
    with using_database(small_name):
        small_token, small_paths = endpoints()
    big, small = measure(args, big_url=big_url, small_url=small_url, statements=statements, paths=paths, token=token,
                         small_paths=small_paths, small_token=small_token)
    write_results(args, paths, big, small, queries)


def _verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def write_results(args, paths, big, small, queries):
    lines = [
        "# Benchmark results", "",
        f"Generated by `bench/run.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Do not edit by hand: run `make bench`.", "",
        *machine_lines(),
        f"- Data: {args.practices} practices; the measured one has 50 therapists, {args.patients} patients, {args.sessions} sessions "
        f"(comparison database: the same practice with {args.small_sessions} sessions)",
        f"- Command: `{' '.join(['bench/run.py', *sys.argv[1:]])}`; server: gunicorn (2 processes × 8 threads), production settings, "
        "loopback; clients in a second process on the same 2 cores",
        "- Floor: the same SQL statements each request ran (captured in-process), replayed through raw psycopg in a minimal WSGI "
        "app (bench/floor.py) under the same gunicorn config, rows encoded by orjson; no auth, no ORM, no serializers.",
        "- Ours, the floor and ours on the 10k database are driven endpoint by endpoint in turn, so each ratio compares runs "
        "made under the same machine conditions (this shared VM's speed drifts by tens of percent between runs).",
        "",
        "## Latency at 1M sessions",
        "",
        "| endpoint | clients | p50 ms | p95 ms | p99 ms | req/s | errors | 409 | queries | answer KB | floor p50 | floor p99 | ours/floor p50 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in paths:
        for clients in (1, 8):
            r = big[(name, clients)]
            f = big.get(("floor", name, clients))
            floor_cells = f"{f['p50']:.1f} | {f['p99']:.1f} | {r['p50'] / f['p50']:.1f}×" if f else "– | – | –"
            lines.append(f"| {name} | {clients} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['rps']:.1f} | {r['errors']} | "
                         f"{r['conflicts']} | {queries.get(name, '')} | {r['bytes'] / 1024:,.0f} | {floor_cells} |")
    lines += [
        "", "## Targets (1 client)", "",
        f"Read endpoints: p50 within {FLOOR_RATIO_TARGET:g}× of the floor, p99 under {READ_TARGET_P99_MS} ms, and p50 at "
        f"{args.sessions} sessions no more than {GROWTH_TARGET:g}× p50 at {args.small_sessions}.", "",
        f"| endpoint | answer KB at {args.small_sessions} / {args.sessions} | p50 at {args.small_sessions} | p50 at {args.sessions} | growth | "
        f"within {FLOOR_RATIO_TARGET:g}× floor | p99 < {READ_TARGET_P99_MS} ms | growth ≤ {GROWTH_TARGET:g}× |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, (method, _) in paths.items():
        r, s = big[(name, 1)], small[(name, 1)]
        f = big.get(("floor", name, 1))
        growth = r["p50"] / s["p50"]
        floor_ok = _verdict(r["p50"] <= FLOOR_RATIO_TARGET * f["p50"]) if f else "–"
        p99_ok = _verdict(r["p99"] < READ_TARGET_P99_MS) if method == "GET" else "–"
        lines.append(f"| {name} | {s['bytes'] / 1024:,.0f} / {r['bytes'] / 1024:,.0f} | {s['p50']:.1f} | {r['p50']:.1f} | {growth:.2f}× | {floor_ok} | {p99_ok} | {_verdict(growth <= GROWTH_TARGET)} |")
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
