"""Links between two tables of a practice's data stay inside one practice: a composite foreign key
(practice_id, parent_id) → parent (practice_id, id) for each (sessai/tenancy.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ('billing', '0006_practice_on_every_row'),
        ('accounts', '0007_practice_not_null'),
    ]

    operations = [
        migrations.RunSQL(
            'ALTER TABLE billing_creditledgerentry ADD CONSTRAINT billing_creditledgerentry_practice_id_key UNIQUE (practice_id, id)',
            'ALTER TABLE billing_creditledgerentry DROP CONSTRAINT IF EXISTS billing_creditledgerentry_practice_id_key',
        ),
        migrations.RunSQL(
            'ALTER TABLE billing_creditledgerentry ADD CONSTRAINT billing_creditledgerentry_reservation_id_same_practice FOREIGN KEY (practice_id, reservation_id) REFERENCES billing_creditledgerentry (practice_id, id) DEFERRABLE INITIALLY DEFERRED',
            'ALTER TABLE billing_creditledgerentry DROP CONSTRAINT IF EXISTS billing_creditledgerentry_reservation_id_same_practice',
        ),
    ]
