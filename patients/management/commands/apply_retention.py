"""`manage.py apply_retention [--practice ID] [--execute]`: anonymize the patients past the clinical
record's retention period (see patients.retention). A dry run by default: it lists what it would
do. With `--execute` each patient is anonymized in its own transaction; running it again does
nothing more."""

from django.core.management.base import BaseCommand

from patients.services.retention import anonymize, due
from sessai import scope


@scope.platform_command
class Command(BaseCommand):
    help = "Anonymize patients past the retention period (dry run unless --execute)."

    def add_arguments(self, parser):
        parser.add_argument("--practice", help="only this practice (id)")
        parser.add_argument("--execute", action="store_true", help="anonymize; without it, only list")

    def handle(self, *args, practice=None, execute=False, **options):
        patients = list(due(practice_id=practice))
        if not execute:
            for patient in patients:
                self.stdout.write(
                    f"would anonymize {patient.pk} ({patient.practice_id}), last clinical entry {patient.last_entry:%Y-%m-%d}"
                )
            self.stdout.write(f"Dry run: {len(patients)} patient(s) past retention. Add --execute to anonymize them.")
            return
        done = sum(1 for patient in patients if anonymize(patient))
        self.stdout.write(self.style.SUCCESS(f"Anonymized {done} patient(s)."))
