"""The access log of a patient (patients/access_log.py) reads the audit trail by object id, newest
first: one index on (object_pk, timestamp) keeps that fast over years of entries."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sessai", "0001_audit_log_append_only")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS sessai_logentry_object_time ON auditlog_logentry (object_pk, timestamp DESC)",
            reverse_sql="DROP INDEX IF EXISTS sessai_logentry_object_time",
        ),
    ]
