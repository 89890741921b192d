"""The insert trigger function that fills a child row's `practice_id` from its parent row when the
insert left it empty (sessai/tenancy.py). Core PL/pgSQL: no extension."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION practice_from_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_ARGV[0]: the parent table; TG_ARGV[1]: this row's column holding the parent's id
    IF NEW.practice_id IS NULL THEN
        EXECUTE format('SELECT practice_id FROM %I WHERE id = ($1 ->> %L)::uuid', TG_ARGV[0], TG_ARGV[1])
            INTO NEW.practice_id USING to_jsonb(NEW);
    END IF;
    RETURN NEW;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("sessai", "0002_audit_log_object_time_index")]

    operations = [migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS practice_from_parent()")]
