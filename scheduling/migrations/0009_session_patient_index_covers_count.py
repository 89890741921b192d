"""The patient's history index also carries status and practice, so the history's page total
(COUNT over the patient's completed sessions in the practice) is an index-only scan. Built
concurrently: bookings keep being written while it is made on a large table."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("scheduling", "0008_spanish_labels_console_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="session",
            index=models.Index(fields=["patient", "starts_at"], include=["status", "practice"], name="session_patient_start_cover"),
        ),
        RemoveIndexConcurrently(model_name="session", name="session_patient_start"),
    ]
