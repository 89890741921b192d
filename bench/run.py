"""Benchmark the hot endpoints on realistic data: `make bench` (or `.venv/bin/python bench/run.py`).

1. Seeds the dataset unless it exists (`seed_load`: one practice with 50 therapists, 20,000
   patients, 1,000,000 sessions, plus 200 other practices).
2. Starts the real server (gunicorn, production settings) on loopback.
3. Drives each endpoint from a second process at 1 and 8 concurrent clients and measures
   p50/p95/p99 latency and requests per second; counts database queries per request in-process.
4. Writes bench/RESULTS.md (machine, versions, command, numbers), regenerated on every run.

Not yet here (issue 7 remains open): the raw-psycopg "floor" app and the fault scenarios."""

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
NAME = "Centro Benchmark"


JWT_KEY = secrets.token_urlsafe(50)  # shared by this process (which mints the token) and the server


def django_env() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sessai.settings.dev")
    os.environ["JWT_SIGNING_KEY"] = JWT_KEY
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    db = settings.DATABASES["default"]
    host = db["HOST"]
    url = f"postgresql://{db['USER']}:{db.get('PASSWORD') or ''}@{'' if host.startswith('/') else host}" \
          f"{':' + str(db['PORT']) if db.get('PORT') else ''}/{db['NAME']}" + (f"?host={host}" if host.startswith("/") else "")
    return {"DATABASE_URL": os.environ.get("DATABASE_URL") or url, "JWT_SIGNING_KEY": JWT_KEY}


def seed(args):
    subprocess.run([PY, "manage.py", "seed_load", "--practices", str(args.practices), "--therapists-per-practice", "50",
                    "--patients", str(args.patients), "--sessions", str(args.sessions), "--seed", "7", "--name", NAME],
                   cwd=ROOT, check=True)


def start_server(port: int, env: dict) -> subprocess.Popen:
    server_env = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "sessai.settings.prod", "SECRET_KEY": secrets.token_urlsafe(50),
                  "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false", "RATELIMIT_ENABLE": "false", "LOG_LEVEL": "WARNING",
                  "PORT": str(port), "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "8"}
    process = subprocess.Popen([PY, "-m", "gunicorn", "sessai.wsgi:application", "--config", "gunicorn.conf.py", "--access-logfile", "/dev/null"],
                               cwd=ROOT, env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start: " + process.stderr.read().decode()[-2000:])


def request(connection, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    connection.request(method, path, body=json.dumps(body) if body else None, headers=headers)
    response = connection.getresponse()
    response.read()
    return (time.perf_counter() - started) * 1000, response.status


def drive(port, method, path_fn, token, concurrency, total) -> dict:
    latencies, statuses = [], []
    lock = threading.Lock()
    per_client = max(1, total // concurrency)

    def client(index):
        connection = HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            for n in range(per_client):
                path, body = path_fn(concurrency * 1_000_000 + index * per_client + n)  # new slots per run
                ms, status = request(connection, method, path, token, body)
                with lock:
                    latencies.append(ms)
                    statuses.append(status)
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client, range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))]

    return {"p50": statistics.median(latencies), "p95": pct(0.95), "p99": pct(0.99), "rps": len(latencies) / elapsed,
            "errors": sum(1 for s in statuses if s >= 400 and s != 409), "conflicts": sum(1 for s in statuses if s == 409)}


def queries_per_request(paths: dict, token: str) -> dict:
    """The same requests in-process through Django's test client, counting queries."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    out = {}
    for name, (method, path_fn) in paths.items():
        path, body = path_fn(10_000_000)
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data=json.dumps(body), content_type="application/json")
        out[name] = len(captured.captured_queries) if response.status_code < 400 else f"HTTP {response.status_code}"
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=201)
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint and concurrency level")
    parser.add_argument("--port", type=int, default=3011)
    args = parser.parse_args()

    env = django_env()
    seed(args)
    from accounts.models import Membership
    from accounts.services import session_start
    from patients.models import Patient

    admin = Membership.objects.select_related("user").get(practice__name=NAME, role="admin").user
    token = session_start(user=admin)["access_token"]
    patient_id = Patient.objects.filter(practice__name=NAME).order_by("-total_sessions").values_list("id", flat=True).first()
    therapist_ids = list(Membership.objects.filter(practice__name=NAME, role="therapist").values_list("user_id", flat=True))

    def booking(n):
        day = datetime(2030, 1, 1, tzinfo=UTC).toordinal() + (n % 700)
        date = datetime.fromordinal(day).date().isoformat()
        return "/api/sessions", {"patientId": str(patient_id), "therapistId": str(therapist_ids[n % len(therapist_ids)]), "date": date,
                                 "startTime": f"{8 + (n // 700) % 12:02d}:00", "allowOutsideAvailability": True}

    paths = {
        "patient list": ("GET", lambda n: ("/api/patients", None)),
        "patient search ?search=mar": ("GET", lambda n: ("/api/patients?search=mar", None)),
        "patient detail": ("GET", lambda n: (f"/api/patients/{patient_id}", None)),
        "patient session history": ("GET", lambda n: (f"/api/patients/{patient_id}/sessions", None)),
        "calendar week (practice)": ("GET", lambda n: ("/api/sessions?" + urllib.parse.urlencode({"start": "2026-10-26", "end": "2026-11-02"}), None)),
        "calendar month (practice)": ("GET", lambda n: ("/api/sessions?" + urllib.parse.urlencode({"start": "2026-10-01", "end": "2026-11-01"}), None)),
        "dashboard": ("GET", lambda n: ("/api/dashboard", None)),
        "billing summary": ("GET", lambda n: ("/api/admin/billing/summary", None)),
        "session create (booking)": ("POST", booking),
    }
    server = start_server(args.port, env)
    rows = []
    try:
        for name, (method, path_fn) in paths.items():
            total = args.requests if "calendar" not in name else max(16, args.requests // 10)
            for concurrency in (1, 8):
                result = drive(args.port, method, path_fn if method == "POST" else path_fn, token, concurrency, total)
                rows.append((name, concurrency, result))
                print(f"{name:30s} c={concurrency} p50 {result['p50']:8.1f} ms p95 {result['p95']:8.1f} p99 {result['p99']:8.1f} "
                      f"{result['rps']:7.1f} req/s errors {result['errors']}", flush=True)
    finally:
        server.terminate()
        server.wait(10)
    queries = queries_per_request(paths, token)
    write_results(args, rows, queries)


def write_results(args, rows, queries):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    import django

    lines = [
        "# Benchmark results", "",
        f"Generated by `bench/run.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Do not edit by hand: run `make bench`.", "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, PostgreSQL {pg}",
        f"- Data: {args.practices} practices; the measured one has 50 therapists, {args.patients} patients, {args.sessions} sessions",
        f"- Command: `{' '.join([Path(sys.argv[0]).name, *sys.argv[1:]]) or 'bench/run.py'}`; server: gunicorn (2 × 8 gthread), production settings, loopback",
        "",
        "| endpoint | clients | p50 ms | p95 ms | p99 ms | req/s | errors | 409 | queries/request |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, concurrency, r in rows:
        lines.append(f"| {name} | {concurrency} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['rps']:.1f} | {r['errors']} | "
                     f"{r['conflicts']} | {queries.get(name, '')} |")
    lines += ["", "The floor comparison (same SQL through raw psycopg in a minimal WSGI app) is not implemented yet."]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
