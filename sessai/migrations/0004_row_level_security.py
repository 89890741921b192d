"""Row-level security on every tenant table (issue 34, docs/security.md "The two walls"): a FORCEd
policy lets a connection see and write a table's rows only in the practice it is scoped to
(`sessai.practice_id`) or on a named platform path (`sessai.platform`). A new tenant table gets the
same in its own migration (`sessai.tenancy.row_security_sql`); sessai/tests/test_row_security.py
fails until it has."""

from django.db import migrations

from sessai.tenancy import CREATE_PLATFORM_ROLE, row_security_sql

TABLES = [
    ("accounts_invitation", "practice_id"),
    ("ai_reports_aireport", "practice_id"),
    ("ai_reports_idempotencykey", "practice_id"),
    ("ai_reports_practiceaisettings", "practice_id"),
    ("ai_reports_recording", "practice_id"),
    ("ai_reports_recordingconsent", "practice_id"),
    ("ai_reports_recordingupload", "practice_id"),
    ("ai_reports_transcript", "practice_id"),
    ("billing_creditaccount", "practice_id"),
    ("billing_creditledgerentry", "practice_id"),
    ("billing_subscription", "practice_id"),
    ("patients_careteammember", "practice_id"),
    ("patients_consent", "practice_id"),
    ("patients_exportpackage", "practice_id"),
    ("patients_patient", "practice_id"),
    ("patients_privacyrequest", "practice_id"),
    ("patients_securityincident_practices", "practice_id"),
    ("scheduling_addendum", "practice_id"),
    ("scheduling_assessment", "practice_id"),
    ("scheduling_attachment", "practice_id"),
    ("scheduling_availabilityday", "practice_id"),
    ("scheduling_blockedtime", "practice_id"),
    ("scheduling_bookingsettings", "practice_id"),
    ("scheduling_bookingsettings_therapists", "bookingsettings_id"),
    ("scheduling_calendarfeed", "practice_id"),
    ("scheduling_calendarsettings", "practice_id"),
    ("scheduling_emailcode", "practice_id"),
    ("scheduling_session", "practice_id"),
    ("scheduling_sessionreminder", "practice_id"),
    ("scheduling_sessionseries", "practice_id"),
    ("scheduling_waitlistentry", "practice_id"),
    ("scheduling_waitlistoffer", "practice_id"),
]
NULLABLE = [("accounts_outgoingemail", "practice_id")]


def _operations():
    yield migrations.RunSQL(CREATE_PLATFORM_ROLE, migrations.RunSQL.noop)  # roles are the cluster's, kept
    for table, column in TABLES:
        forward, reverse = row_security_sql(table, column)
        yield migrations.RunSQL(forward, reverse)
    for table, column in NULLABLE:
        forward, reverse = row_security_sql(table, column, nullable=True)
        yield migrations.RunSQL(forward, reverse)


class Migration(migrations.Migration):
    dependencies = [
        ("sessai", "0003_practice_from_parent"),
        ("accounts", "0007_practice_not_null"),
        ("patients", "0011_same_practice_links"),
        ("scheduling", "0012_same_practice_links"),
        ("ai_reports", "0008_same_practice_links"),
        ("billing", "0007_same_practice_links"),
    ]

    operations = list(_operations())
