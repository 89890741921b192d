"""`manage.py export_audit_log [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--output FILE]`: the
audit trail as CSV for archiving or an inspector (who did what to which record, from where).
Changed field names are listed; their values are not (clinical text is masked in the log anyway)."""

import json
import sys
from datetime import date, datetime, time

from auditlog.models import LogEntry
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sessai import csvfile

ACTIONS = {
    LogEntry.Action.CREATE: "create",
    LogEntry.Action.UPDATE: "update",
    LogEntry.Action.DELETE: "delete",
    LogEntry.Action.ACCESS: "access",
}


class Command(BaseCommand):
    help = "Export audit log entries as CSV (to stdout or --output)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=date.fromisoformat)
        parser.add_argument("--until", type=date.fromisoformat, help="inclusive")
        parser.add_argument("--output", help="file path; stdout by default")

    def handle(self, *args, since=None, until=None, output=None, **options):
        if since and until and since > until:
            raise CommandError(f"--since {since} is after --until {until}: the period would be empty.")
        entries = LogEntry.objects.select_related("content_type").order_by("timestamp", "id")
        tz = timezone.get_current_timezone()
        if since:
            entries = entries.filter(timestamp__gte=datetime.combine(since, time.min, tzinfo=tz))
        if until:
            entries = entries.filter(timestamp__lt=datetime.combine(until, time.max, tzinfo=tz))
        try:
            stream = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        writer = csvfile.writer(stream)
        writer.writerow(["timestamp", "action", "model", "object_id", "actor_email", "remote_addr", "changed_fields"])
        count = 0
        for entry in entries.iterator(chunk_size=2000):
            changes = entry.changes if isinstance(entry.changes, dict) else json.loads(entry.changes or "{}")
            writer.writerow(
                [
                    entry.timestamp.isoformat(),
                    ACTIONS.get(entry.action, entry.action),
                    entry.content_type.model if entry.content_type else "",
                    entry.object_pk,
                    entry.actor_email or "",
                    entry.remote_addr or "",
                    " ".join(sorted(changes or {})),
                ]
            )
            count += 1
        if output:
            stream.close()
            self.stderr.write(f"{count} entries written to {output}")
