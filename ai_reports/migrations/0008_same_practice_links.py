"""Links between two tables of a practice's data stay inside one practice: a composite foreign key
(practice_id, parent_id) → parent (practice_id, id) for each (sessai/tenancy.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ('ai_reports', '0007_practice_on_every_row'),
        ('billing', '0007_same_practice_links'),
        ('patients', '0011_same_practice_links'),
        ('scheduling', '0012_same_practice_links'),
    ]

    operations = [
        migrations.RunSQL(
            'ALTER TABLE ai_reports_recording ADD CONSTRAINT ai_reports_recording_practice_id_key UNIQUE (practice_id, id)',
            'ALTER TABLE ai_reports_recording DROP CONSTRAINT IF EXISTS ai_reports_recording_practice_id_key',
        ),
        migrations.RunSQL(
            'ALTER TABLE ai_reports_aireport ADD CONSTRAINT ai_reports_aireport_patient_id_same_practice FOREIGN KEY (practice_id, patient_id) REFERENCES patients_patient (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE ai_reports_aireport DROP CONSTRAINT IF EXISTS ai_reports_aireport_patient_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE ai_reports_recording ADD CONSTRAINT ai_reports_recording_reservation_id_same_practice FOREIGN KEY (practice_id, reservation_id) REFERENCES billing_creditledgerentry (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE ai_reports_recording DROP CONSTRAINT IF EXISTS ai_reports_recording_reservation_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE ai_reports_recording ADD CONSTRAINT ai_reports_recording_session_id_same_practice FOREIGN KEY (practice_id, session_id) REFERENCES scheduling_session (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE ai_reports_recording DROP CONSTRAINT IF EXISTS ai_reports_recording_session_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE ai_reports_recordingconsent ADD CONSTRAINT ai_reports_recordingconsent_patient_id_same_practice FOREIGN KEY (practice_id, patient_id) REFERENCES patients_patient (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE ai_reports_recordingconsent DROP CONSTRAINT IF EXISTS ai_reports_recordingconsent_patient_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE ai_reports_recordingconsent ADD CONSTRAINT ai_reports_recordingconsent_signed_consent_id_same_practice FOREIGN KEY (practice_id, signed_consent_id) REFERENCES patients_consent (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE ai_reports_recordingconsent DROP CONSTRAINT IF EXISTS ai_reports_recordingconsent_signed_consent_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE ai_reports_recordingupload ADD CONSTRAINT ai_reports_recordingupload_recording_id_same_practice FOREIGN KEY (practice_id, recording_id) REFERENCES ai_reports_recording (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE ai_reports_recordingupload DROP CONSTRAINT IF EXISTS ai_reports_recordingupload_recording_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE ai_reports_recordingupload ADD CONSTRAINT ai_reports_recordingupload_session_id_same_practice FOREIGN KEY (practice_id, session_id) REFERENCES scheduling_session (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE ai_reports_recordingupload DROP CONSTRAINT IF EXISTS ai_reports_recordingupload_session_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE ai_reports_transcript ADD CONSTRAINT ai_reports_transcript_recording_id_same_practice FOREIGN KEY (practice_id, recording_id) REFERENCES ai_reports_recording (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE ai_reports_transcript DROP CONSTRAINT IF EXISTS ai_reports_transcript_recording_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE ai_reports_transcript ADD CONSTRAINT ai_reports_transcript_session_id_same_practice FOREIGN KEY (practice_id, session_id) REFERENCES scheduling_session (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE ai_reports_transcript DROP CONSTRAINT IF EXISTS ai_reports_transcript_session_id_same_practice',
        ),
    ]
