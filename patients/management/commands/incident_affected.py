"""`manage.py incident_affected --since DATETIME --until DATETIME [--practice ID]`: the patients
whose records were read or changed in a window, from the audit trail, as CSV (practice, patient,
name, email, reads, changes): who may have to be told about a security incident (Ley 21.719)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patients.access_log import patients_touched
from patients.models import Patient
from sessai import csvfile, scope


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date or date-time (YYYY-MM-DD[THH:MM])") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@scope.platform_command
class Command(BaseCommand):
    help = "List the patients whose records were read or changed in a window (for a security incident)."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, type=_moment, help="start, inclusive (ISO date or date-time)")
        parser.add_argument("--until", required=True, type=_moment, help="end, exclusive (ISO date or date-time)")
        parser.add_argument("--practice", help="only this practice (id)")

    def handle(self, *args, since, until, practice=None, **options):
        if since >= until:
            raise CommandError("--since must be before --until.")
        touched = patients_touched(since=since, until=until, practice_id=practice)
        out = csvfile.writer(self.stdout)
        out.writerow(["practice_id", "patient_id", "name", "email", "reads", "changes"])
        patients = Patient.objects.filter(pk__in=list(touched)).order_by("practice_id", "name")
        for patient in patients:
            counts = touched[patient.pk]
            out.writerow(
                [patient.practice_id, patient.pk, patient.name, patient.email, counts["read"], counts["changed"]]
            )
        self.stderr.write(f"{len(touched)} patient(s) touched between {since.isoformat()} and {until.isoformat()}.")
