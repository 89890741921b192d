"""The audit trail is append-only, like the credit ledger: PostgreSQL refuses UPDATE, DELETE and
TRUNCATE on `auditlog_logentry`, whoever asks (`auditlogflush`, the console, a psql session).

Two narrow, explicit exceptions, each a transaction-local setting only our own code sets:
- `sessai.audit_scrub = 'on'` allows UPDATE (never DELETE): the data-rights command that scrubs
  identifiers from change diffs once a record's retention period has ended;
- `sessai.test_flush = 'on'` allows TRUNCATE: the test database's flush between
  tests (set on test connections only, by sessai.settings.test).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION sessai_audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('sessai.test_flush', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('sessai.audit_scrub', true) = 'on' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER sessai_audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION sessai_audit_log_append_only();
CREATE TRIGGER sessai_audit_log_no_truncate
    BEFORE TRUNCATE ON auditlog_logentry
    FOR EACH STATEMENT EXECUTE FUNCTION sessai_audit_log_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS sessai_audit_log_no_truncate ON auditlog_logentry;
DROP TRIGGER IF EXISTS sessai_audit_log_no_update_delete ON auditlog_logentry;
DROP FUNCTION IF EXISTS sessai_audit_log_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0017_add_actor_email")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
