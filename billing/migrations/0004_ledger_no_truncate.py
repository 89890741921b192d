"""The ledger refused UPDATE and DELETE (0002) but not TRUNCATE: now it does too, like the audit
log. Test connections may TRUNCATE it for the flush between tests (`sessai.test_flush`, set only
by sessai.settings.test)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION billing_ledger_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('sessai.test_flush', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'billing_creditledgerentry is append-only (TRUNCATE refused)' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_ledger_no_truncate
    BEFORE TRUNCATE ON billing_creditledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION billing_ledger_no_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS billing_ledger_no_truncate ON billing_creditledgerentry;
DROP FUNCTION IF EXISTS billing_ledger_no_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_transcription_operations")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
