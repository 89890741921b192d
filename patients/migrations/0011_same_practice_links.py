"""Links between two tables of a practice's data stay inside one practice: a composite foreign key
(practice_id, parent_id) → parent (practice_id, id) for each (sessai/tenancy.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ('patients', '0010_practice_not_null'),
    ]

    operations = [
        migrations.RunSQL(
            'ALTER TABLE patients_consent ADD CONSTRAINT patients_consent_practice_id_key UNIQUE (practice_id, id)',
            'ALTER TABLE patients_consent DROP CONSTRAINT IF EXISTS patients_consent_practice_id_key',
        ),
        migrations.RunSQL(
            'ALTER TABLE patients_consent ADD CONSTRAINT patients_consent_patient_id_same_practice FOREIGN KEY (practice_id, patient_id) REFERENCES patients_patient (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE patients_consent DROP CONSTRAINT IF EXISTS patients_consent_patient_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE patients_exportpackage ADD CONSTRAINT patients_exportpackage_patient_id_same_practice FOREIGN KEY (practice_id, patient_id) REFERENCES patients_patient (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE patients_exportpackage DROP CONSTRAINT IF EXISTS patients_exportpackage_patient_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE patients_privacyrequest ADD CONSTRAINT patients_privacyrequest_patient_id_same_practice FOREIGN KEY (practice_id, patient_id) REFERENCES patients_patient (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE patients_privacyrequest DROP CONSTRAINT IF EXISTS patients_privacyrequest_patient_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE patients_patient ADD CONSTRAINT patients_patient_duplicate_of_id_same_practice FOREIGN KEY (practice_id, duplicate_of_id) REFERENCES patients_patient (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE patients_patient DROP CONSTRAINT IF EXISTS patients_patient_duplicate_of_id_same_practice',
        ),
    ]
