"""Links between two tables of a practice's data stay inside one practice: a composite foreign key
(practice_id, parent_id) → parent (practice_id, id) for each (sessai/tenancy.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ('scheduling', '0011_practice_not_null'),
        ('patients', '0011_same_practice_links'),
    ]

    operations = [
        migrations.RunSQL(
            'ALTER TABLE scheduling_sessionseries ADD CONSTRAINT scheduling_sessionseries_practice_id_key UNIQUE (practice_id, id)',
            'ALTER TABLE scheduling_sessionseries DROP CONSTRAINT IF EXISTS scheduling_sessionseries_practice_id_key',
        ),
        migrations.RunSQL(
            'ALTER TABLE scheduling_session ADD CONSTRAINT scheduling_session_patient_id_same_practice FOREIGN KEY (practice_id, patient_id) REFERENCES patients_patient (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE scheduling_session DROP CONSTRAINT IF EXISTS scheduling_session_patient_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE scheduling_session ADD CONSTRAINT scheduling_session_series_id_same_practice FOREIGN KEY (practice_id, series_id) REFERENCES scheduling_sessionseries (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE scheduling_session DROP CONSTRAINT IF EXISTS scheduling_session_series_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE scheduling_waitlistentry ADD CONSTRAINT scheduling_waitlistentry_session_id_same_practice FOREIGN KEY (practice_id, session_id) REFERENCES scheduling_session (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE scheduling_waitlistentry DROP CONSTRAINT IF EXISTS scheduling_waitlistentry_session_id_same_practice',
        ),
        migrations.RunSQL(
            'ALTER TABLE scheduling_bookingsettings_therapists ADD CONSTRAINT scheduling_bookingsettings_therapists_same_practice FOREIGN KEY (bookingsettings_id, membership_id) REFERENCES accounts_membership (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE scheduling_bookingsettings_therapists DROP CONSTRAINT IF EXISTS scheduling_bookingsettings_therapists_same_practice',
        ),
    ]
