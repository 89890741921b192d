"""`manage.py retention_report [--practice ID]`: per practice, the patients whose record is past its
retention period (RETENTION_YEARS after the last clinical entry) and not yet anonymized. Patients
are listed by id, never by name: the report may be pasted into a ticket."""

from django.conf import settings
from django.core.management.base import BaseCommand

from patients.services.retention import cutoff, due
from sessai import scope


@scope.platform_command
class Command(BaseCommand):
    help = "List, per practice, the patients past the clinical record's retention period."

    def add_arguments(self, parser):
        parser.add_argument("--practice", help="only this practice (id)")

    def handle(self, *args, practice=None, **options):
        patients = list(due(practice_id=practice))
        self.stdout.write(
            f"Retention: {settings.RETENTION_YEARS} years; last clinical entry on or before {cutoff():%Y-%m-%d}."
        )
        if not patients:
            self.stdout.write("No patient is past the retention period.")
            return
        current = None
        for patient in patients:
            if patient.practice_id != current:
                current = patient.practice_id
                count = sum(1 for p in patients if p.practice_id == current)
                self.stdout.write(f"\n{patient.practice.name} ({patient.practice_id}): {count} patient(s)")
            self.stdout.write(f"  {patient.pk}  last clinical entry {patient.last_entry:%Y-%m-%d}")
        self.stdout.write(f"\nTotal: {len(patients)}. `manage.py apply_retention --execute` anonymizes them.")
