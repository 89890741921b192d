"""Prepared statements and the connection pool (issue 37, docs/benchmarks.md): on a direct
connection our statements are bound on the server and prepared after DB_PREPARE_THRESHOLD runs, so
PostgreSQL stops parsing and planning them; behind a transaction-mode pooler they are off; and a
connection borrowed from Django's pool never keeps its last borrower's practice."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor

from accounts.tests.factories import MembershipFactory
from patients.models import Patient
from patients.tests.factories import patient_for
from sessai import scope
from sessai.db import url_for


def test_our_statements_are_bound_on_the_server_and_prepared_after_five_runs(db):
    member = MembershipFactory()
    patient_for(member, name="Preparada")
    assert settings.DATABASES["default"]["OPTIONS"]["server_side_binding"] is True
    with scope.in_practice(member.practice_id):
        connection.ensure_connection()
        assert issubclass(connection.connection.cursor_factory, ServerBindingCursor)  # under django-prometheus's
        for _ in range(6):
            assert list(Patient.objects.filter(name="Preparada").values_list("name", flat=True)) == ["Preparada"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "patients_patient"' in sql and "$1" in sql for sql in prepared), prepared


def _database_options(**env) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS'], default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        # settings only: the URL is parsed, never connected to
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sessai.settings.dev",
            "DATABASE_URL": "postgres://u@h:5/d",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_behind_a_transaction_mode_pooler_nothing_is_prepared_unless_asked():
    assert _database_options(DB_POOL_MODE="session").get("prepare_threshold") == 5
    behind = _database_options(DB_POOL_MODE="transaction")
    assert "server_side_binding" not in behind and "prepare_threshold" not in behind
    newer = _database_options(DB_POOL_MODE="transaction", DB_PREPARED_STATEMENTS="on", DB_PREPARE_THRESHOLD="3")
    assert newer["server_side_binding"] is True and newer["prepare_threshold"] == 3
    assert _database_options(DB_POOL_SIZE="4")["pool"] == {"min_size": 2, "max_size": 4}


POOLED_BORROWS = """
import django
django.setup()
from django.db import connection
from sessai import scope
import os, json
out = []
with scope.in_practice(os.environ["PRACTICE_A"]), connection.cursor() as cursor:
    cursor.execute("SELECT count(*), pg_backend_pid() FROM patients_patient")
    out.append(list(cursor.fetchone()))
connection.close()  # back to the pool, with A's setting on its server session
with scope.nobody(), connection.cursor() as cursor:
    cursor.execute("SELECT count(*), pg_backend_pid(), current_setting('sessai.practice_id', true) FROM patients_patient")
    out.append(list(cursor.fetchone()))
print(json.dumps(out))
"""


@pytest.mark.django_db(transaction=True)
def test_a_connection_from_the_pool_takes_its_borrowers_practice_and_no_other():
    """Two borrows of the one pooled connection (DB_POOL_SIZE=1, another process): the first in
    practice A, the second with no practice. The second sees nothing; it would see A's patient if
    the engine trusted a borrowed session's settings to be unset, as a new connection's are."""
    with scope.platform("tests"):
        a = MembershipFactory()
        patient_for(a, name="Paciente de A")
    out = subprocess.run(
        [sys.executable, "-c", POOLED_BORROWS],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sessai.settings.dev",
            "DATABASE_URL": url_for(connection.settings_dict),
            "DB_POOL_SIZE": "1",
            "PRACTICE_A": str(a.practice_id),
        },
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    (count_a, pid_a), (count_none, pid_none, setting) = json.loads(out.stdout.strip().splitlines()[-1])
    assert pid_a == pid_none  # the same server session, borrowed twice
    assert (count_a, count_none, setting) == (1, 0, "")


def test_a_bulk_insert_past_the_protocols_parameter_limit_is_split(db):
    """4,000 patients × 26 columns is 104,000 values: one statement bound on the server would carry
    more than PostgreSQL's 65,535 parameters (refused); the engine splits it into batches."""
    member = MembershipFactory()
    with scope.in_practice(member.practice_id):
        created = Patient.objects.bulk_create(
            [Patient(practice_id=member.practice_id, name=f"Lote {n}") for n in range(4000)]
        )
        assert len(created) == 4000
        assert Patient.objects.filter(name__startswith="Lote ").count() == 4000
