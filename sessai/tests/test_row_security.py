"""The second wall holds on its own (issue 34, docs/security.md "The two walls"): with the Python
scoping deliberately bypassed, PostgreSQL's row-level security still returns only the practice the
code runs for, refuses a row for another practice, and returns nothing where no practice is set.

The whole suite runs this way: the tests connect as the application's role, each request and job
takes its practice's scope, and only the tests' own set-up runs on the `tests` platform path."""

import gc
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from accounts.tests.factories import MembershipFactory
from patients.api.views import PatientViewSet
from patients.models import Patient
from patients.tests.factories import patient_for
from scheduling.models import Session
from sessai import scope
from sessai.tests.test_tenancy import _practice_field, _tenant_models

# Tenant tables without the policies, and why.
NOT_ROW_SECURED = {
    "accounts.Membership": "who belongs to which practice: read when a caller signs in, before any practice is "
    "known; it holds no clinical data and every read of it is scoped in Python"
}
DOCS = Path(settings.BASE_DIR) / "docs" / "security.md"


def _two_practices():
    a, b = MembershipFactory(), MembershipFactory()
    for member in (a, b):
        patient = patient_for(member, name=f"Paciente de {member.practice.name}")
        start = datetime(2026, 3, 2, 12, tzinfo=UTC)
        Session.objects.create(
            practice=member.practice,
            patient=patient,
            therapist=member.user,
            starts_at=start,
            ends_at=start + timedelta(minutes=50),
        )
    return a, b


def test_every_tenant_table_has_forced_policies(db):
    expected = sorted(
        (m._meta.db_table, _practice_field(m).column) for m in _tenant_models() if m._meta.label not in NOT_ROW_SECURED
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   array_agg(p.polname::text ORDER BY p.polname), array_agg(pg_get_expr(p.polqual, p.polrelid) ORDER BY p.polname)
            FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid
            WHERE c.relname = ANY(%s) GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity
            """,
            [[table for table, _ in expected]],
        )
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    wrong = []
    for table, column in expected:
        enabled, forced, names, quals = found[table]
        practice_qual = quals[names.index("practice_isolation")] if "practice_isolation" in names else ""
        if not (enabled and forced and names == ["platform_paths", "practice_isolation"]):
            wrong.append(f"{table}: enabled={enabled} forced={forced} policies={names}")
        elif not practice_qual.startswith((f"({column} = (", f"(({column} = (")):
            wrong.append(f"{table}: {practice_qual}")
    assert wrong == [], "a tenant table needs sessai.tenancy.row_security_sql in a migration"


def test_the_application_connects_as_an_ordinary_role(db):
    with scope.nobody(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT session_user, current_user, r.rolsuper, r.rolbypassrls, r.rolinherit, "
            "(SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = %s), "
            "(SELECT count(*) FROM pg_class WHERE relowner = r.oid AND relkind = 'r') "
            "FROM pg_roles r WHERE r.rolname = session_user",
            [scope.PLATFORM_ROLE],
        )
        session_user, current_user, superuser, bypass, inherits, platform_bypass, owned = cursor.fetchone()
    assert (session_user, current_user) == (settings.DATABASE_APP_USER, settings.DATABASE_APP_USER)
    # it does not inherit the platform role (whose policy lets every row through) until it takes it
    assert (superuser, bypass, inherits, platform_bypass, owned) == (False, False, False, False, 0)


def test_unscoped_orm_and_raw_sql_see_only_their_practice(db):
    a, b = _two_practices()
    with scope.in_practice(a.practice_id):
        assert {p.practice_id for p in Patient.objects.all()} == {a.practice_id}  # no filter at all
        with connection.cursor() as cursor:
            cursor.execute("SELECT practice_id FROM scheduling_session")
            assert {row[0] for row in cursor.fetchall()} == {a.practice_id}
        assert not Patient.objects.filter(practice=b.practice).exists()  # asking for B does not help


def test_no_practice_set_means_no_rows_never_all(db):
    _two_practices()
    with scope.nobody():
        assert Patient.objects.count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM scheduling_session")
            assert cursor.fetchone()[0] == 0
    assert Patient.objects.count() == 2  # the tests' own platform path sees both


def test_a_row_for_another_practice_is_refused(db):
    a, b = _two_practices()
    with scope.in_practice(a.practice_id):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Patient.objects.create(practice_id=b.practice_id, name="Intrusa")
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Patient.objects.filter(practice_id=a.practice_id).update(practice_id=b.practice_id)
        # an update or delete that forgets to filter reaches its own practice only
        assert Patient.objects.update(notes="") == 1
    assert Patient.objects.filter(practice=b.practice, name="Intrusa").count() == 0


def test_a_request_whose_code_forgets_to_filter_gets_its_practice_only(db, monkeypatch, client_for):
    a, b = _two_practices()
    a.role = b.role = "admin"
    a.save(update_fields=["role"])
    # the first wall taken down: the list's queryset is every patient of every practice
    monkeypatch.setattr(PatientViewSet, "scoped_queryset", lambda self, membership: Patient.objects.all())
    response = client_for(a).get("/api/patients")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["data"]] == [f"Paciente de {a.practice.name}"]


def test_a_job_that_forgets_to_filter_runs_in_its_rows_practice(db):
    a, b = _two_practices()
    session = Session.objects.get(practice=a.practice)

    @scope.job_in_practice_of("scheduling.Session", "session_id")
    def careless_job(*, session_id):
        return sorted(str(p) for p in Session.objects.values_list("practice_id", flat=True))

    assert careless_job(session_id=str(session.pk)) == [str(a.practice_id)]


def test_a_savepoint_rolled_back_in_another_scope_than_it_began_leaves_the_right_one(db):
    """`ROLLBACK TO SAVEPOINT` runs through the engine's wrapper too. A savepoint begun in one
    practice and rolled back in another puts the first practice's setting back: the engine must
    count the scope as unknown after that statement, not before it (before, the wrapper re-set the
    current scope just ahead of the rollback that undid it, and the tracker kept it; an AI call
    failing under load then released its hold outside its practice: a 500)."""
    a, b = _two_practices()
    with scope.in_practice(a.practice_id):
        assert Patient.objects.get().practice_id == a.practice_id
        savepoint = transaction.savepoint()  # begun in A
    with scope.in_practice(b.practice_id):
        assert Patient.objects.get().practice_id == b.practice_id  # B set inside the savepoint
        transaction.savepoint_rollback(savepoint)  # rolled back in B: the connection holds A again
        assert Patient.objects.get().practice_id == b.practice_id


def test_the_scope_is_put_back_after_a_rollback_and_between_requests(db, client_for):
    a, b = _two_practices()
    with scope.in_practice(a.practice_id):
        with pytest.raises(RuntimeError), transaction.atomic():
            with scope.in_practice(b.practice_id):
                assert {p.practice_id for p in Patient.objects.all()} == {b.practice_id}
            raise RuntimeError  # rolls back what the switch to B and back to A did
        assert {p.practice_id for p in Patient.objects.all()} == {a.practice_id}
    a.role = "admin"
    a.save(update_fields=["role"])
    assert client_for(a).get("/api/patients").status_code == 200  # the connection took A's practice
    with scope.nobody():
        assert Patient.objects.count() == 0  # and the request did not leave it there


def test_platform_paths_are_named_and_documented():
    with pytest.raises(ValueError):
        scope.platform("anything")
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", DOCS.read_text(), re.M))
    assert documented == set(scope.PLATFORM_PATHS)
    used = set()
    for path in Path(settings.BASE_DIR).glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or path.name == "cluster.py":
            continue  # the suite, and the cluster test (tools/cluster.py), are on the tests path
        used |= set(re.findall(r'platform\("([a-z-]+)"', path.read_text()))
    used |= set(re.findall(r'use_platform\("([a-z-]+)"', (Path(settings.BASE_DIR) / "bench" / "common.py").read_text()))
    used |= {"periodic", "command", "job-lookup"}  # platform_job, platform_command and practice_of name them
    assert used == set(scope.PLATFORM_PATHS) - {"tests"}


def test_a_streamed_answer_is_read_in_its_requests_scope_and_an_unread_one_changes_nothing(db):
    a, b = _two_practices()

    def names():  # a CSV export's or a report stream's body, read after the view returned
        yield from Patient.objects.values_list("name", flat=True)

    with scope.in_practice(a.practice_id):
        read_later, left_unread = scope.carried(names()), scope.carried(names())
    with scope.nobody():
        assert list(read_later) == [f"Paciente de {a.practice.name}"]
        assert next(left_unread) == f"Paciente de {a.practice.name}"
    with scope.in_practice(b.practice_id):
        del left_unread  # collected in the middle of other code: it must not put its scope back
        gc.collect()
        assert scope.current_scope() == scope.Scope(practice_id=str(b.practice_id))
        assert list(Patient.objects.values_list("name", flat=True)) == [f"Paciente de {b.practice.name}"]


def test_the_sign_in_lookup_that_skips_the_switch_reads_no_table_with_a_policy(db):
    from accounts.authentication import _live_membership_sql  # noqa: PLC0415

    sql, _layout = _live_membership_sql()
    tables = set(re.findall(r'(?:FROM|JOIN) "([a-z_]+)"', sql))
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relrowsecurity", [list(tables)])
        secured = [row[0] for row in cursor.fetchall()]
    assert tables >= {"accounts_membership", "accounts_devicesession"} and secured == []


@pytest.fixture
def per_transaction():
    """The engine as behind a transaction-mode pooler (DB_POOL_MODE=transaction)."""
    connection.scope_per_transaction = True
    connection.sessai_scope = scope.UNKNOWN  # whatever this connection held before is re-set
    yield
    connection.scope_per_transaction = False
    connection.sessai_scope = scope.UNKNOWN


def _left_on_the_session():
    """What a pooled server connection would carry to its next client: the session-level values."""
    with connection.connection.cursor() as raw:  # not through the engine's wrapper
        raw.execute("SELECT coalesce(current_setting('sessai.practice_id', true), ''), current_user")
        return raw.fetchone()


@pytest.mark.django_db(transaction=True)
def test_behind_a_transaction_pooler_the_scope_lives_in_each_transaction_only(per_transaction, client_for):
    a, b = _two_practices()
    with scope.nobody():
        assert _left_on_the_session() == ("", settings.DATABASE_APP_USER)
    with scope.in_practice(a.practice_id):
        assert {p.practice_id for p in Patient.objects.all()} == {a.practice_id}  # a transaction of its own
        assert _left_on_the_session() == ("", settings.DATABASE_APP_USER)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT practice_id FROM scheduling_session")
                assert {row[0] for row in cursor.fetchall()} == {a.practice_id}
            with scope.in_practice(b.practice_id):
                assert Patient.objects.get().practice_id == b.practice_id  # switched inside the transaction
            assert Patient.objects.get().practice_id == a.practice_id
        assert _left_on_the_session() == ("", settings.DATABASE_APP_USER)  # committed: nothing stays
        with pytest.raises(RuntimeError), transaction.atomic():
            assert Patient.objects.count() == 1
            raise RuntimeError
        assert Patient.objects.count() == 1  # after a rollback, set again
    a.role = "admin"
    a.save(update_fields=["role"])
    response = client_for(a).get("/api/patients")
    assert [row["name"] for row in response.json()["data"]] == [f"Paciente de {a.practice.name}"]
    with scope.nobody():
        assert Patient.objects.count() == 0
        assert _left_on_the_session() == ("", settings.DATABASE_APP_USER)
