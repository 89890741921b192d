"""What the benchmark and the resilience scenarios share: Django set up in this process (to mint
tokens, count queries and check the database), the real server on loopback, and HTTP clients."""

import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
JWT_KEY = secrets.token_urlsafe(50)  # shared by this process (which mints tokens) and the server


def django_setup() -> str:
    """Set Django up here and return the database URL the server must use (the embedded server's
    when DATABASE_URL is unset)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sessai.settings.dev")
    os.environ["JWT_SIGNING_KEY"] = JWT_KEY
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from sessai import scope

    scope.use_platform("command")  # the benchmark's own set-up spans practices, as seed_load does
    return os.environ.get("DATABASE_URL") or database_url()


def database_url(name: str | None = None) -> str:
    from django.conf import settings

    from sessai.db import owner_url

    # the owner's: the servers and commands started with it derive the application's role themselves
    return owner_url(settings.DATABASES["default"], name)


def app_url(url: str) -> str:
    """The same database as the application's role."""
    from django.conf import settings

    from sessai.db import parse_url, url_for

    parsed = parse_url(url)
    return url_for({**parsed, "USER": settings.DATABASE_APP_USER, "PASSWORD": settings.DATABASE_APP_PASSWORD})


def start_server(
    port: int, database_url: str, app: str = "sessai.wsgi:application", extra_env: dict | None = None
) -> subprocess.Popen:
    """gunicorn with the project's config (2 × 8 gthread) and production settings on 127.0.0.1,
    connected as the application's role, as a web host is (its own URL: no owner password)."""
    env = {
        **os.environ,
        "DATABASE_URL": app_url(database_url),
        "JWT_SIGNING_KEY": JWT_KEY,
        "DJANGO_SETTINGS_MODULE": "sessai.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "RATELIMIT_ENABLE": "false",
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "8",
        "PYTHONPATH": str(ROOT),
        # as the Procfile's web process runs: glibc's allocator told to keep fewer arenas and to give
        # large blocks back at once (docs/operations.md "Memory")
        "MALLOC_ARENA_MAX": "2",
        "MALLOC_MMAP_THRESHOLD_": "131072",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [PY, "-m", "gunicorn", app, "--config", "gunicorn.conf.py", "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(150):
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/health")
            connection.getresponse().read()
            return process  # any answer: the floor app has no health route
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{app} did not start: " + process.stderr.read().decode()[-2000:])


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def request(
    connection: HTTPConnection, method: str, path: str, token: str | None, body=None, headers=None
) -> tuple[float, int, bytes]:
    """(milliseconds, status, body) of one request on a kept-alive connection."""
    sent = {
        "Content-Type": "application/json",
        **({"Authorization": f"Bearer {token}"} if token else {}),
        **(headers or {}),
    }
    started = time.perf_counter()
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=sent)
    response = connection.getresponse()
    payload = response.read()
    return (time.perf_counter() - started) * 1000, response.status, payload


REQUEST_TIMEOUT = 60  # seconds; the calendar month at 8 clients answers in ~2


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def drive(port: int, method: str, path_fn, token: str | None, concurrency: int, total: int, offset: int = 0) -> dict:
    """`total` requests from `concurrency` clients, each on its own kept-alive connection; `offset`
    shifts the numbers `path_fn` gets, so that drives sharing a database book different slots."""
    latencies, statuses, sizes = [], [], []
    lock = threading.Lock()
    per_client = max(1, total // concurrency)

    def client(index):
        connection = HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        try:
            if method == "GET":  # unmeasured: the worker thread's first database connection and lazy imports
                request(connection, method, path_fn(0)[0], token)
            for n in range(per_client):
                path, body = path_fn(concurrency * 1_000_000 + offset + index * per_client + n)  # new slots per run
                started = time.perf_counter()
                try:
                    ms, status, payload = request(connection, method, path, token, body)
                except OSError:  # no answer within the timeout: an error of the run, which goes on
                    ms, status, payload = (time.perf_counter() - started) * 1000, 599, b""
                    connection.close()
                    connection = HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
                with lock:
                    latencies.append(ms)
                    statuses.append(status)
                    sizes.append(len(payload))
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client, range(concurrency)))
    return result(latencies, statuses, sizes, time.perf_counter() - started)


def result(latencies: list[float], statuses: list[int], sizes: list[int], elapsed: float) -> dict:
    """What a drive measured: latency percentiles, rate, answer size, errors and 409s; the raw
    values are kept, so that drives of the same read can be pooled (`merged`)."""
    latencies = sorted(latencies)
    return {
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "rps": len(latencies) / elapsed,
        "n": len(latencies),
        "bytes": statistics.median(sizes),
        "errors": sum(1 for s in statuses if s >= 400 and s != 409),
        "conflicts": sum(1 for s in statuses if s == 409),
        "latencies": latencies,
        "statuses": statuses,
        "sizes": sizes,
        "elapsed": elapsed,
    }


def merged(results: list[dict]) -> dict:
    """One result from several drives of the same read (rounds): their requests pooled."""
    return result(
        [ms for r in results for ms in r["latencies"]],
        [status for r in results for status in r["statuses"]],
        [size for r in results for size in r["sizes"]],
        sum(r["elapsed"] for r in results),
    )


def machine_lines() -> list[str]:
    import platform

    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return [
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, PostgreSQL {pg}",
    ]
