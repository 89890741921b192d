"""Benchmark the hot endpoints on realistic data: `make bench` (or `.venv/bin/python bench/run.py`).

1. Seeds two databases unless they exist (`seed_load`, deterministic): the big one (one practice
   with 50 therapists, 20,000 patients, 1,000,000 sessions, plus 200 other practices) and a
   small one (the same practice with 10,000 sessions), on the same PostgreSQL server.
2. Captures, in-process, the exact SQL each read request runs (and counts it).
3. Starts the real server (gunicorn, production settings) on each database and the floor
   (bench/floor.py: the same SQL through raw psycopg, rows encoded by orjson) on loopback, all
   with the same gunicorn config.
4. Drives each endpoint from this process at 1 and 8 concurrent clients — ours and the floor with
   prepared statements, both without, ours on Django's connection pool, then ours on the small
   database, endpoint by endpoint so that every ratio compares runs made under the same machine
   conditions: p50/p95/p99 latency and requests per second.
5. Does it all twice: at realistic density (28 sessions a therapist-week, `--per-therapist-week`)
   and dense (three years, `seed_load --dense`, databases `<name>_dense`; 1 client). At realistic
   density it also samples each read under gunicorn with py-spy (flame graphs in bench/profiles/,
   shares in RESULTS.md) and traces what stays in memory between batches (tracemalloc).
6. Writes bench/RESULTS.md (machine, versions, command, numbers, ratios in each mode, the profiles'
   shares, memory of the workers before and after, and issue 37's targets met or not).
Nothing in RESULTS.md is typed by hand."""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    PY,
    ROOT,
    database_url,
    django_setup,
    drive,
    machine_lines,
    merged,
    start_server,
    stop_server,
)

NAME = "Centro Benchmark"
SMALL_SUFFIX = "_bench10k"
DENSE_SUFFIX = "_dense"
# Issue 37's targets (realistic density, 1 client, each ratio against the floor in the same
# mode: prepared statements both): small reads within 2x of the floor at p50 with p99 under 30 ms,
# the dashboard within 1.5x, booking p50 under 20 ms, our workers' memory growing less than 20 %
# over the run, and at most 1.2x from 10k to 1M sessions for every read.
SMALL_READS = [
    "patient list",
    "patient search ?search=mar",
    "patient detail",
    "patient session history",
    "calendar week (one therapist)",
    "billing summary",
]
SMALL_FLOOR_RATIO, SMALL_P99_MS = 2.0, 30
DASHBOARD_FLOOR_RATIO = 1.5
BOOKING_P50_MS = 20
MEMORY_GROWTH_PCT = 20
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
    """Each read's page total (its `SELECT COUNT(*)`) as PostgreSQL runs it: the scans, what it
    read from the table (heap fetches, bitmap heap blocks and a sequential scan's rows; 0 for an
    index-only scan over an all-visible table), and the execution time."""
    from django.db import connection, transaction

    from accounts.models import Practice
    from sessai import scope

    practice_id = Practice.objects.get(name=NAME).pk
    out = []
    for name, (method, path_fn) in paths.items():
        path = path_fn(0)[0] if method == "GET" else None
        for sql in statements.get(path, []):
            if not sql.startswith("SELECT COUNT(*)"):
                continue
            # as a request runs it: in the practice's scope, under its policy (the bench's own
            # platform role sees every practice's rows, and the planner plans for all of them);
            # once unmeasured first, as the measured requests find the pages in memory
            with scope.in_practice(practice_id), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            scans = [re.sub(r"\s+\(cost.*", "", line.strip(" ->")) for line in plan if " Scan " in line]
            fetches = sum(int(m) for line in plan for m in re.findall(r"Heap Fetches: (\d+)", line))
            heap_blocks = sum(int(m) for line in plan for m in re.findall(r"Heap Blocks: exact=(\d+)", line))
            fetches += _sequential_rows(plan)
            ms = float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))
            out.append((name, "; ".join(scans), fetches + heap_blocks, ms))
    return out


def _sequential_rows(plan: list[str]) -> int:
    """The table rows a plan's sequential scans read: those they returned and those their filter removed."""
    total = 0
    for index, line in enumerate(plan):
        if "Seq Scan on" not in line or not (found := re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", line)):
            continue
        total += int(found.group(1)) * int(found.group(2))
        for detail in plan[index + 1 :]:
            if "->" in detail:
                break
            if removed := re.search(r"Rows Removed by Filter: (\d+)", detail):
                total += int(removed.group(1)) * int(found.group(2))
    return total


# The servers each read is driven on, in turn: ours as deployed (prepared statements), the floor
# in the same mode, ours and the floor without them, ours on Django's connection pool, ours on 10k.
ROUNDS = 5  # every mode goes first once
MODES = {
    "ours": {},
    "floor": {"FLOOR_PREPARE": "on"},
    "unprepared": {"DB_PREPARED_STATEMENTS": "off"},
    "floor-unprepared": {"FLOOR_PREPARE": "off"},
    "pool": {"DB_POOL_SIZE": "8"},
}


def measure(
    args, *, big_url, small_url, statements, paths, token, small_paths, small_token, clients_list=(1, 8)
) -> tuple[dict, dict]:
    """Our server in each mode, the floor in each mode and ours on the 10k database, all running at
    once and driven endpoint by endpoint in turn, so the ratios compare runs made under the same
    machine conditions. Returns ({(mode, name, clients): result, "rss": (before, after)},
    {(name, 1): result on the small database})."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(statements, handle)
    floor_env = {"FLOOR_QUERIES": handle.name, "PYTHONPATH": str(ROOT / "bench"), "DATABASE_URL": big_url}
    ports, servers = {}, {}
    for offset, (mode, env) in enumerate(MODES.items()):
        ports[mode] = args.port + offset
        if mode.startswith("floor"):
            # the floor replays the SQL as the owner, whom no policy binds (ours pays row-level security)
            servers[mode] = start_server(ports[mode], big_url, app="floor:application", extra_env={**floor_env, **env})
        else:
            servers[mode] = start_server(ports[mode], big_url, extra_env=env)
    small_port = args.port + len(MODES)
    servers["small"] = start_server(small_port, small_url)
    big, small = {}, {}
    rss_cold = _rss(servers["ours"])
    # Warm every server alike before anything is timed or weighed: each read on each of its 16
    # threads (2 processes × 8), so that what follows is the run, not the first loading of modules,
    # caches and each thread's connection and prepared statements.
    for name, (method, path_fn) in paths.items():
        if method != "GET":
            continue
        for mode in MODES:
            drive(ports[mode], method, path_fn, None if mode.startswith("floor") else token, 8, 16)
        drive(small_port, *small_paths[name], small_token, 8, 16)
    rss_before = _rss(servers["ours"])
    try:
        for name, (method, path_fn) in paths.items():
            total = args.requests if "calendar" not in name or "therapist" in name else max(16, args.requests // 10)
            modes = [mode for mode in MODES if method == "GET" or not mode.startswith("floor")]
            for clients in clients_list:
                # ROUNDS rounds, each mode once per round in a rotated order: no mode always goes first
                # after the switch to a new endpoint (the database's caches warm for whoever does)
                parts: dict[str, list] = {mode: [] for mode in modes}
                for round_ in range(ROUNDS):
                    for mode in modes[round_ % len(modes) :] + modes[: round_ % len(modes)]:
                        token_ = None if mode.startswith("floor") else token
                        # each drive books its own slots (the modes share one database)
                        offset = (list(MODES).index(mode) * ROUNDS + round_) * (total // ROUNDS + 10)
                        parts[mode].append(
                            drive(ports[mode], method, path_fn, token_, clients, total // ROUNDS, offset=offset)
                        )
                line = f"{name:32s} c={clients}"
                for mode in modes:
                    big[(mode, name, clients)] = r = merged(parts[mode])
                    line += f" | {mode} {r['p50']:.1f}/{r['p99']:.1f}" + (
                        f" ({r['errors']} errors)" if r["errors"] else ""
                    )
                if clients == 1:
                    small_method, small_fn = small_paths[name]
                    small[(name, 1)] = m = drive(small_port, small_method, small_fn, small_token, 1, total)
                    line += f" | 10k {m['p50']:.1f}"
                print(line, flush=True)
        big["rss"] = (rss_before, _rss(servers["ours"]))
        big["rss_cold"] = rss_cold
    finally:
        for server in servers.values():
            stop_server(server)
        Path(handle.name).unlink()
    return big, small


def _rss(server) -> int:
    """KB of resident memory of a gunicorn master's workers, summed."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(server.pid)], capture_output=True, text=True).stdout
    return sum(int(x) for x in out.split())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=201)
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--small-sessions", type=int, default=10_000, help="sessions in the comparison database")
    parser.add_argument("--per-therapist-week", type=float, default=28.0, help="realistic density (seed_load)")
    parser.add_argument("--no-dense", action="store_true", help="skip the dense worst case (three years)")
    parser.add_argument("--no-profiles", action="store_true", help="skip the sampling profiles and the memory trace")
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint, mode and concurrency level")
    parser.add_argument("--port", type=int, default=3011)
    args = parser.parse_args()

    # This process captures the SQL the floor replays: bound on the client, so values are in the text.
    os.environ["DB_PREPARED_STATEMENTS"] = "off"
    big_url = django_setup()
    from django.db import connection

    base = connection.settings_dict["NAME"]
    runs, sampled, memory = {}, None, None
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
            plans = count_plans(paths, statements)
            if not dense and not args.no_profiles:
                memory = memory_growth(paths, token)
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
        if not dense and not args.no_profiles:
            try:
                sampled = sampling_profiles(args, big_url=urls[big_name], paths=paths, token=token)
            except (SystemExit, OSError, ValueError) as exc:  # the measurements are written anyway
                print(f"sampling profiles failed: {exc}", flush=True)
        runs[density] = (paths, big, small, queries, plans)
    write_results(args, runs, sampled, memory)


# -- Sampling profiles under the real server (py-spy) ---------------------------------------------

PROFILES_DIR = ROOT / "bench" / "profiles"  # flame graphs and raw stacks: artifacts, not committed
# A sample's part: the innermost frame of its stack that names one (stdlib frames name none).
SHARES = [
    ("database (psycopg: send, wait, fetch)", ("psycopg/", "psycopg_pool/")),
    ("JSON rendering", ("sessai/api/renderers.py", "orjson")),
    (
        "serializers (DRF fields, wire)",
        (
            "rest_framework/serializers.py",
            "rest_framework/fields.py",
            "rest_framework/relations.py",
            "sessai/api/wire.py",
        ),
    ),
    ("ORM (query building, model instances)", ("django/db/",)),
    ("authentication", ("accounts/authentication.py", "rest_framework_simplejwt/", "jwt/")),
    ("Django and DRF (middleware, routing, views)", ("django/", "rest_framework/")),
    ("gunicorn (HTTP parsing, writing)", ("gunicorn/",)),
]
OURS = ("accounts/", "patients/", "scheduling/", "ai_reports/", "billing/", "sessai/", "console/")
IN_A_REQUEST = ("django/core/handlers", "handle_request")


def _share_of(frames: list[str]) -> str:
    """A frame reads `function (path/file.py:line)`; py-spy shortens site-packages paths to the
    package's own (`django/db/models/query.py`), and ours to the project's."""
    for frame in reversed(frames):  # innermost first
        where = frame.rpartition("(")[2]
        for label, needles in SHARES:
            if any(needle in where for needle in needles):
                return label
        if where.startswith(OURS) or f"{ROOT}/" in where and "/.venv/" not in where:
            return "our code (views, selectors, scope, audit)"
    return "other (stdlib, logging, metrics)"


def _shares(raw: Path) -> tuple[dict, int]:
    """Share of each part in the samples taken while a thread handled a request (threads waiting
    for work are left out), from py-spy's raw (collapsed) stacks."""
    counts: dict[str, int] = {}
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or not any(marker in stack for marker in IN_A_REQUEST):
            continue
        label = _share_of(stack.split(";"))
        counts[label] = counts.get(label, 0) + int(n)
        total += int(n)
    return {label: count / total * 100 for label, count in counts.items()} if total else {}, total


def _worker_pids(server) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def sampling_profiles(args, *, big_url: str, paths: dict, token: str, seconds: float = 6.0) -> dict:
    """Each read under gunicorn with production settings (one process × 8 threads, so py-spy samples
    every request), driven by one client while py-spy records it twice: a flame graph
    (bench/profiles/<read>.svg) and the raw stacks the shares are computed from."""
    spy = str(Path(PY).parent / "py-spy")
    PROFILES_DIR.mkdir(exist_ok=True)
    port = args.port + 20
    # one worker, never recycled while it is sampled (max_requests would replace it mid-profile)
    server = start_server(port, big_url, extra_env={"WEB_CONCURRENCY": "1", "GUNICORN_MAX_REQUESTS": "0"})
    result = {}
    try:
        for name, (method, path_fn) in paths.items():
            if method != "GET":
                continue
            [pid] = _worker_pids(server)
            slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
            for fmt, suffix in (("raw", "txt"), ("flamegraph", "svg")):
                output = PROFILES_DIR / f"{slug}.{suffix}"
                command = [spy, "record", "--pid", str(pid), "--rate", "200", "--idle", "--format", fmt]
                recorder = subprocess.Popen(
                    [*command, "--output", str(output), "--duration", str(int(seconds))],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
                while recorder.poll() is None:
                    drive(port, method, path_fn, token, 1, 5)
                if recorder.returncode != 0:
                    raise SystemExit("py-spy failed: " + recorder.stderr.read().decode()[-1000:])
            result[name] = _shares(PROFILES_DIR / f"{slug}.txt")
            print(f"profile {name}: {result[name][1]} samples", flush=True)
    finally:
        stop_server(server)
    return result


# -- Memory: what grows between batches of requests (tracemalloc, in-process) ----------------------


def _short(frame) -> str:
    """`django/db/models/query.py:123` for a frame in site-packages, the standard library or ours."""
    name = str(frame.filename)
    for prefix in ("site-packages/", f"{ROOT}/", "lib/python3."):
        if prefix in name:
            name = name.split(prefix, 1)[1]
            name = name.split("/", 1)[1] if prefix == "lib/python3." else name
    return f"{name}:{frame.lineno}"


def memory_growth(paths: dict, token: str, batches: int = 4, per_read: int = 12) -> dict:
    """Every read `per_read` times per batch through Django's test client, tracemalloc snapshots
    after each batch: what was allocated and kept between the first batch and the last (a cache
    fills once; a leak grows every batch)."""
    import gc
    import tracemalloc

    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    reads = [path_fn(0)[0] for method, path_fn in paths.values() if method == "GET"]
    tracemalloc.start(6)
    sizes, snapshots = [], []
    try:
        for _ in range(batches):
            for path in reads:
                for _ in range(per_read):
                    client.get(path)
            gc.collect()
            snapshots.append(tracemalloc.take_snapshot())
            sizes.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    top = snapshots[-1].compare_to(snapshots[0], "traceback")[:6]
    return {
        "sizes_kb": [size / 1024 for size in sizes],
        "requests_per_batch": len(reads) * per_read,
        "top": [
            (
                stat.size_diff / 1024,
                stat.count_diff,
                " ← ".join(_short(frame) for frame in list(stat.traceback)[-3:][::-1]),
            )
            for stat in top
        ],
    }


def _verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _latency_table(paths, big, queries, clients_list) -> list[str]:
    lines = [
        "| endpoint | clients | p50 ms | p99 ms | req/s | errors | 409 | queries | answer KB | floor p50 | **ours/floor** "
        "| unprepared p50 | floor unprepared p50 | ours/floor unprepared | ours unprepared/floor prepared (the old ratio) "
        "| pool p50 | pool p99 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in paths:
        for clients in clients_list:
            r, u, pool = big[("ours", name, clients)], big[("unprepared", name, clients)], big[("pool", name, clients)]
            f, fu = big.get(("floor", name, clients)), big.get(("floor-unprepared", name, clients))
            if f:
                ratios = (
                    f"{f['p50']:.1f} | **{r['p50'] / f['p50']:.1f}×** | {u['p50']:.1f} | {fu['p50']:.1f} | "
                    f"{u['p50'] / fu['p50']:.1f}× | {u['p50'] / f['p50']:.1f}×"
                )
            else:
                ratios = f"– | – | {u['p50']:.1f} | – | – | –"
            lines.append(
                f"| {name} | {clients} | {r['p50']:.1f} | {r['p99']:.1f} | {r['rps']:.1f} | {r['errors']} | {r['conflicts']} | "
                f"{queries.get(name, '')} | {r['bytes'] / 1024:,.0f} | {ratios} | {pool['p50']:.1f} | {pool['p99']:.1f} |"
            )
    return lines


def _targets(args, paths, big, small) -> list[str]:
    lines = ["| endpoint | target | measured | met |", "|---|---|---|---|"]

    def row(name, target, measured, ok):
        lines.append(f"| {name} | {target} | {measured} | {_verdict(ok)} |")

    for name in paths:
        r, s_ = big[("ours", name, 1)], small[(name, 1)]
        f = big.get(("floor", name, 1))
        if name in SMALL_READS:
            ratio = r["p50"] / f["p50"]
            row(name, f"p50 ≤ {SMALL_FLOOR_RATIO:g}× fair floor", f"{ratio:.1f}×", ratio <= SMALL_FLOOR_RATIO)
            row(name, f"p99 < {SMALL_P99_MS} ms", f"{r['p99']:.1f} ms", r["p99"] < SMALL_P99_MS)
        elif name == "dashboard":
            ratio = r["p50"] / f["p50"]
            row(name, f"p50 ≤ {DASHBOARD_FLOOR_RATIO:g}× fair floor", f"{ratio:.1f}×", ratio <= DASHBOARD_FLOOR_RATIO)
        elif name.startswith("session create"):
            row(name, f"p50 < {BOOKING_P50_MS} ms", f"{r['p50']:.1f} ms", r["p50"] < BOOKING_P50_MS)
        row(
            name,
            f"p50 at {args.sessions:,} ≤ {GROWTH_TARGET:g}× p50 at {args.small_sessions:,}",
            f"{r['p50'] / s_['p50']:.2f}×",
            r["p50"] <= GROWTH_TARGET * s_["p50"],
        )
    before, after = big["rss"]
    growth = (after - before) / max(before, 1) * 100
    row(
        "our workers' memory",
        f"growth < {MEMORY_GROWTH_PCT} % over the run",
        f"{growth:+.0f} %",
        growth < MEMORY_GROWTH_PCT,
    )
    return lines


def write_results(args, runs, sampled: dict | None, memory: dict | None):
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
        "- **Modes, each against the floor in the same mode.** *Prepared* (as deployed on a direct connection): ours binds values "
        "on the server and psycopg prepares a statement after 5 runs on a connection (`DB_PREPARED_STATEMENTS`, "
        "`DB_PREPARE_THRESHOLD`); the floor prepares its statements the same way (`FLOOR_PREPARE=on`). *Unprepared*: ours "
        "binds on the client (Django's default) and the floor never prepares. The old ratio compared ours unprepared with "
        "a floor that prepared. *Pool*: ours on Django's connection pool (`DB_POOL_SIZE=8` per process) instead of one "
        "persistent connection per thread.",
        "- Every server is driven endpoint by endpoint in turn, so each ratio compares runs made under the same machine "
        "conditions (this shared VM's speed drifts by tens of percent between runs).",
    ]
    for density, (paths, big, small, queries, plans) in runs.items():
        clients_list = sorted({k[2] for k in big if isinstance(k, tuple) and len(k) == 3 and k[0] == "ours"})
        before, after = big["rss"]
        lines += [
            "",
            f"## {density.capitalize()} density: latency at {args.sessions:,} sessions",
            "",
            *_latency_table(paths, big, queries, clients_list),
            "",
            f"Memory of our 2 workers (prepared mode): {big['rss_cold'] / 1024:,.0f} MB started, "
            f"{before / 1024:,.0f} MB once every read had run on every thread (the warm-up, untimed), "
            f"{after / 1024:,.0f} MB after the run ({(after - before) / max(before, 1) * 100:+.0f} % over the run); "
            "a practice window of more than 1,000 events is streamed 500 at a time (`CALENDAR_STREAM_AFTER`); "
            "gunicorn recycles a worker after 2,000 requests (± 200 jitter, `max_requests`), the backstop "
            "whatever grows.",
            "",
            f"### Targets ({density})",
            "",
            *_targets(args, paths, big, small),
            "",
            f"### Page totals ({density})",
            "",
            "Each list's `SELECT COUNT(*)` under `EXPLAIN (ANALYZE, BUFFERS)` at 1M sessions, in the practice's scope: "
            "rows read from the table are heap fetches of an index-only scan, heap blocks of a bitmap scan and the "
            "rows a sequential scan went through (0 = answered from the index).",
            "",
            "| endpoint | scans | table rows/blocks read | ms |",
            "|---|---|---|---|",
            *[f"| {name} | {scans} | {read} | {ms:.2f} |" for name, scans, read, ms in plans],
        ]
    if sampled:
        labels = [label for label, _needles in SHARES] + [
            "our code (views, selectors, scope, audit)",
            "other (stdlib, logging, metrics)",
        ]
        lines += [
            "",
            "## Where a request's time goes (py-spy, sampling, under gunicorn, realistic density)",
            "",
            "py-spy samples the gunicorn worker (production settings, one process × 8 threads) 200 times a second while one "
            "client drives the read; the samples taken while a thread was handling a request are split by the innermost "
            "frame that names a part (waiting for PostgreSQL counts as the database). A sampler does not slow Python down "
            "the way cProfile does, so these are the true shares. The flame graphs are `bench/profiles/<read>.svg` "
            "(artifacts of the run, not committed).",
            "",
            "| endpoint | samples | " + " | ".join(labels) + " |",
            "|---|---|" + "---|" * len(labels),
        ]
        for name, (shares, total) in sampled.items():
            lines.append(
                f"| {name} | {total} | " + " | ".join(f"{shares.get(label, 0):.0f} %" for label in labels) + " |"
            )
    if memory:
        sizes = memory["sizes_kb"]
        lines += [
            "",
            "## What stays in memory between batches (tracemalloc, in-process)",
            "",
            "Every read run in batches of "
            f"{memory['requests_per_batch']} requests through Django's test client; Python memory traced after each batch "
            f"(after a collection): "
            + " → ".join(f"{kb:,.0f} KB" for kb in sizes)
            + ". The largest differences between the "
            "first batch and the last, by where they were allocated:",
            "",
            "| KB | blocks | allocated at (innermost first) |",
            "|---|---|---|",
            *[f"| {kb:+,.0f} | {count:+,} | `{where}` |" for kb, count, where in memory["top"]],
        ]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
