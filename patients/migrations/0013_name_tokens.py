"""The patients' name tokens (issue 34): searches that row-level security lets PostgreSQL answer
from an index. Filled from every patient's search column, then kept by a trigger."""

import django.db.models.deletion
from django.db import migrations, models

from sessai.tenancy import fill_trigger_sql, parent_key_sql, row_security_sql


# A patient's words: the lexemes of their search column (at most 100 characters each).
KEEP_TOKENS = """
CREATE FUNCTION patient_name_tokens_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM patients_patientnametoken WHERE patient_id = NEW.id;
    INSERT INTO patients_patientnametoken (practice_id, patient_id, token)
    SELECT DISTINCT NEW.practice_id, NEW.id, word FROM unnest(tsvector_to_array(NEW.search_vector)) AS word
    WHERE length(word) <= 100;
    RETURN NULL;
END
$$;
CREATE TRIGGER patients_patient_name_tokens_insert AFTER INSERT ON patients_patient
    FOR EACH ROW EXECUTE FUNCTION patient_name_tokens_keep();
CREATE TRIGGER patients_patient_name_tokens_update AFTER UPDATE ON patients_patient
    FOR EACH ROW WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector) EXECUTE FUNCTION patient_name_tokens_keep();
"""
DROP_KEEP_TOKENS = """
DROP TRIGGER IF EXISTS patients_patient_name_tokens_update ON patients_patient;
DROP TRIGGER IF EXISTS patients_patient_name_tokens_insert ON patients_patient;
DROP FUNCTION IF EXISTS patient_name_tokens_keep();
"""
# Every practice's patients, one practice at a time in its own scope: the patients' forced policies
# bind the owner that migrates unless it is a superuser.
BACKFILL = """
DO $$
DECLARE practice record;
BEGIN
    FOR practice IN SELECT id FROM accounts_practice LOOP
        PERFORM set_config('sessai.practice_id', practice.id::text, true);
        INSERT INTO patients_patientnametoken (practice_id, patient_id, token)
        SELECT DISTINCT p.practice_id, p.id, word
        FROM patients_patient p, unnest(tsvector_to_array(p.search_vector)) AS word
        WHERE p.practice_id = practice.id AND length(word) <= 100;
    END LOOP;
    PERFORM set_config('sessai.practice_id', '', true);
END
$$;
SET CONSTRAINTS ALL IMMEDIATE;
ANALYZE patients_patientnametoken;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_practice_not_null"),
        ("patients", "0012_summaries_opt_out"),
        # the policies name the platform role, which the row-level security migration creates
        ("sessai", "0004_row_level_security"),
    ]

    operations = [
        migrations.CreateModel(
            name="PatientNameToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(db_collation="C", max_length=100, verbose_name="palabra")),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="name_tokens",
                        to="patients.patient",
                        verbose_name="paciente",
                    ),
                ),
                (
                    "practice",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.practice",
                        verbose_name="consulta",
                    ),
                ),
            ],
            options={
                "verbose_name": "palabra del nombre",
                "verbose_name_plural": "palabras de los nombres",
                "indexes": [models.Index(fields=["practice", "token", "patient"], name="patient_token_lookup")],
                "constraints": [
                    models.UniqueConstraint(fields=("practice", "patient", "token"), name="patient_token_unique")
                ],
            },
        ),
        migrations.RunSQL(*parent_key_sql("patients_patientnametoken", "patients_patient", "patient_id")),
        migrations.RunSQL(*fill_trigger_sql("patients_patientnametoken", "patients_patient", "patient_id")),
        migrations.RunSQL(*row_security_sql("patients_patientnametoken")),
        migrations.RunSQL(KEEP_TOKENS, DROP_KEEP_TOKENS),
        # last, its key checks made at once: Django adds the foreign keys after the operations, and a
        # table with checks pending cannot be altered
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
