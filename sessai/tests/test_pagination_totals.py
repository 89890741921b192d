"""The page totals of the lists a therapist opens most (patients, a patient's history) are counted
from an index alone: an index-only scan reads no table rows, however long the history."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from patients.tests.factories import patient_for
from scheduling.choices import SessionStatus
from scheduling.models import Session
from sessai import scope
from sessai.db import as_owner


def _mark_all_visible(cursor, table: str, timeout: float = 20) -> None:
    """VACUUM (FULL leaves the visibility map empty) until every page is marked all-visible. A
    page cannot be while any session of this database holds a snapshot older than its rows (an
    autovacuum ANALYZE started by the bulk insert, say): CI once planned the count while one did,
    and the planner, told no page was all-visible, rightly preferred a plain index scan."""
    deadline = time.monotonic() + timeout
    while True:
        cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass", [table])
        pages, visible = cursor.fetchone()
        if visible >= pages:
            return
        if time.monotonic() > deadline:
            cursor.execute(
                "SELECT backend_type, state, backend_xmin::text, left(query, 60) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            raise AssertionError(f"{visible} of {pages} pages all-visible; other sessions: {cursor.fetchall()}")
        time.sleep(0.2)


def _count_plan(client, path: str, table: str, practice_id) -> str:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    [count] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    with as_owner() as owner, owner.cursor() as cursor:  # only a table's owner may vacuum it
        # The visibility map, as autovacuum keeps it. FULL: the suite's rolled-back tests leave the
        # test tables and their indexes hundreds of pages long, which sways the planner's costs.
        cursor.execute(f"VACUUM (FULL) {table}")
        _mark_all_visible(cursor, table)
        if "search=" in path:  # the search's count joins the name tokens: their statistics too
            _mark_all_visible(cursor, "patients_patientnametoken")
    # planned as the request runs it: the application role, under its practice's policy
    with scope.in_practice(practice_id), transaction.atomic(), connection.cursor() as cursor:
        # A sequential or bitmap scan would win on a table this small; ruled out, the planner picks
        # between an index scan (reads rows) and an index-only scan (does not, if one can answer).
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + count)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    "table, path",
    [
        ("patients_patient", "/api/patients"),
        # the search's count joins the name tokens by id: patient_practice_status_cover holds it
        ("patients_patient", "/api/patients?search=cuenta"),
        ("scheduling_session", "/api/patients/{id}/sessions"),
    ],
)
def test_page_totals_are_index_only_scans(transactional_db, as_admin, admin_member, table, path):
    """With enough rows that the planner's choice means something: 40 patients, 4,000 sessions."""
    patients = [patient_for(admin_member, name=f"Cuenta Pérez {n}") for n in range(40)]
    start = datetime(2020, 1, 6, 9, tzinfo=UTC)
    Session.objects.bulk_create(
        Session(
            practice_id=admin_member.practice_id,
            patient=patients[n % 40],
            therapist_id=admin_member.user_id,
            starts_at=start + timedelta(hours=n),
            ends_at=start + timedelta(hours=n, minutes=50),
            status=SessionStatus.COMPLETED if n % 5 else SessionStatus.CANCELLED,
        )
        for n in range(4000)
    )
    patient = patients[0]
    plan = _count_plan(as_admin, path.format(id=patient.id), table, admin_member.practice_id)
    scans = [line.strip() for line in plan.splitlines() if f" on {table} " in line]  # not …nametoken
    assert scans and all(line.startswith(("Index Only Scan", "->  Index Only Scan")) for line in scans), plan
