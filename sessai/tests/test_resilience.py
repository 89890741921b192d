"""Resilience at the issue's numbers, through real HTTP on separate database connections: 50
parallel bookings of one slot, 100 AI charges racing for a balance that covers 10, and a
database connection killed under the server. (Provider timeouts and garbage answers, and storage
failing during an upload, are in ai_reports/tests and patients/tests; the PostgreSQL restart
under load is `make bench-resilience`.)"""

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from accounts.tests.factories import login_tokens
from ai_reports.tests.fake_gemini import FakeGemini
from billing import services as billing
from billing.choices import EntryKind
from billing.models import CreditAccount, CreditLedgerEntry
from patients.api.views import PatientViewSet
from patients.tests.factories import patient_for
from scheduling.models import Session
from sessai import scope
from sessai.db import url_for

pytestmark = pytest.mark.resilience


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login_tokens(user)['access_token']}")
    return client


def _race(attempts: int, workers: int, call) -> list[int]:
    """`attempts` calls released together from `workers` threads (each with its own connection)."""
    barrier = threading.Barrier(workers)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(index):
        try:
            barrier.wait()
            for n in range(index, attempts, workers):
                status = call(n)
                with lock:
                    statuses.append(status)
        finally:
            connection.close()

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, range(workers)))
    return statuses


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_bookings_of_one_slot_leave_exactly_one_session(therapist_member, assistant_member):
    patient = patient_for(therapist_member)
    clients = [_client(therapist_member.user), _client(assistant_member.user)]
    payload = {
        "patientId": str(patient.id),
        "therapistId": str(therapist_member.user_id),
        "date": "2030-01-07",
        "startTime": "10:00",
    }

    statuses = _race(50, 50, lambda n: clients[n % 2].post("/api/sessions", payload, format="json").status_code)

    assert sorted(statuses) == [201] + [409] * 49
    assert Session.objects.filter(therapist=therapist_member.user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_hundred_parallel_ai_charges_never_overspend_a_balance_for_ten(settings, practice, therapist_member):
    fake = FakeGemini()
    settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL, settings.RATELIMIT_ENABLE = "test-key", fake.url, False
    client = _client(therapist_member.user)
    ask = {"unstructuredNotes": "Paciente refiere mejor descanso y menos rumiación esta semana."}
    for _ in range(101):  # usage above the hold: each call is charged its whole hold, so exactly 10 fit
        fake.reply("Notas estructuradas.", prompt_tokens=1_000_000, output_tokens=100_000)
    try:
        billing.credits_grant(
            practice=practice, amount=Decimal("1000"), reason="medir la reserva", kind=EntryKind.GRANT
        )
        assert client.post("/api/ai/documentation/process", ask, format="json").status_code == 200
        hold = -CreditLedgerEntry.objects.get(practice=practice, kind=EntryKind.RESERVATION).amount
        balance = billing.balance(practice)
        billing.credits_grant(practice=practice, amount=hold * 10 - balance, reason="saldo para diez")
        assert billing.balance(practice) == hold * 10

        statuses = _race(
            100, 40, lambda n: client.post("/api/ai/documentation/process", ask, format="json").status_code
        )
    finally:
        fake.close()

    successes = statuses.count(200)
    assert sorted(statuses) == [200] * 10 + [402] * 90
    usage = CreditLedgerEntry.objects.filter(practice=practice, kind=EntryKind.USAGE)
    assert usage.count() == successes + 1  # the measuring call, then exactly one charge per 200
    account = CreditAccount.objects.get(practice=practice)
    ledger_total = sum(e.amount for e in CreditLedgerEntry.objects.filter(practice=practice))
    assert account.balance == 0 == ledger_total
    reservations = CreditLedgerEntry.objects.filter(practice=practice, kind=EntryKind.RESERVATION).count()
    assert (
        reservations == CreditLedgerEntry.objects.filter(practice=practice, kind=EntryKind.RELEASE).count()
    )  # none left held


def start_gunicorn(access_log: str = "/dev/null", log_level: str = "WARNING"):
    """The production server (gunicorn with gunicorn.conf.py, prod settings, 1 process × 4 threads)
    on the test database, once it answers: (process, base URL)."""
    url = url_for(connection.settings_dict)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sessai.settings.prod",
        "DATABASE_URL": url,
        "SECRET_KEY": "x" * 30 + secrets.token_urlsafe(40),
        "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": log_level,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sessai.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--access-logfile",
            access_log,
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/api/health", timeout=2).read()
            break
        except OSError:
            time.sleep(0.1)
    return process, base


@pytest.fixture
def gunicorn_server(transactional_db):
    """gunicorn on the test database: unlike the test client it keeps connections between
    requests, as a deployment does (CONN_MAX_AGE)."""
    process, base = start_gunicorn()
    yield base
    process.terminate()
    process.wait(15)


def test_killed_database_connections_are_replaced_on_the_next_request(gunicorn_server, admin_member):
    """What a PostgreSQL restart does to a running server: every connection it holds dies. The
    next request is answered normally, with no restart of the server (health checks on reuse)."""
    token = login_tokens(admin_member.user)["access_token"]

    def get():
        request = urllib.request.Request(
            f"{gunicorn_server}/api/patients", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert get() == 200
    # the server's kept-alive connection(s), not ours; as the application's role, which they run as
    with scope.nobody(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.rowcount >= 1
    assert [get() for _ in range(8)] == [200] * 8  # every worker thread, whichever connection it held


@pytest.mark.django_db
def test_database_unavailable_is_a_clear_503(as_admin, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(PatientViewSet, "scoped_queryset", down)  # a class attribute: undone cleanly
    response = as_admin.get("/api/patients")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {
        "message": "Servicio no disponible. Intenta nuevamente en unos minutos.",
        "code": "service_unavailable",
    }
