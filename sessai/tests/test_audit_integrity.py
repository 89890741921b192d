"""The audit trail is append-only in the database itself (issue 21)."""

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from billing.services import subscription_start
from patients.tests.factories import patient_for
from sessai.scope import PLATFORM_ROLE


@pytest.fixture
def entries(therapist_member):
    patient_for(therapist_member)  # creating a patient writes audit entries
    assert LogEntry.objects.exists()
    return LogEntry.objects.all()


REFUSED = "append-only|permission denied for table"


@pytest.mark.parametrize("table", ["auditlog_logentry", "billing_creditledgerentry"])
def test_the_application_role_may_not_delete_from_the_append_only_tables(db, table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT session_user, has_table_privilege(session_user, %s, 'DELETE'), "
            "has_table_privilege(%s, %s, 'DELETE')",
            [table, PLATFORM_ROLE, table],
        )
        user, app_may_delete, platform_may_delete = cursor.fetchone()
    assert (user, app_may_delete, platform_may_delete) == (settings.DATABASE_APP_USER, False, False)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE auditlog_logentry SET changes_text = 'x'",
        "DELETE FROM auditlog_logentry",
    ],
)
def test_rows_cannot_be_changed_or_deleted(entries, statement):
    # the trigger refuses the owner too; the application's role has no DELETE privilege at all
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL sessai.test_flush = 'off'")  # as on every connection outside tests
        cursor.execute(statement)


@pytest.mark.django_db(transaction=True)  # committed rows: TRUNCATE reaches the trigger
def test_truncate_is_refused_outside_the_test_flush(entries):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL sessai.test_flush = 'off'")
        cursor.execute("TRUNCATE auditlog_logentry")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("options", [[], ["--truncate"], ["--before-date", "2999-01-01"]])
def test_auditlogflush_cannot_wipe_the_trail(entries, options):
    count = entries.count()
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL sessai.test_flush = 'off'")
        call_command("auditlogflush", "--yes", *options)
    assert LogEntry.objects.count() == count


def test_the_scrub_path_may_update_but_never_delete(entries):
    entry = entries.first()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL sessai.audit_scrub = 'on'")
        cursor.execute("UPDATE auditlog_logentry SET changes_text = '' WHERE id = %s", [entry.pk])
        cursor.execute("SET LOCAL sessai.test_flush = 'off'")
        with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
            cursor.execute("DELETE FROM auditlog_logentry WHERE id = %s", [entry.pk])
    assert LogEntry.objects.get(pk=entry.pk).changes_text == ""


@pytest.mark.django_db(transaction=True)
def test_the_ledger_refuses_truncate_too(practice):
    subscription_start(practice=practice)  # a grant row
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL sessai.test_flush = 'off'")
        cursor.execute("TRUNCATE billing_creditledgerentry CASCADE")
