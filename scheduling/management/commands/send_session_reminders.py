"""`manage.py send_session_reminders [--hours 24]`: run every few minutes from a scheduler (cron,
Heroku Scheduler, a Procfile `reminders:` process). Safe to run often and concurrently."""

from django.conf import settings
from django.core.management.base import BaseCommand

from scheduling.services.reminders import send_due_reminders
from sessai import scope


@scope.platform_command
class Command(BaseCommand):
    help = "Email reminders for sessions starting in the next N hours (never the same reminder twice)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=settings.SESSION_REMINDER_HOURS)

    def handle(self, *args, hours, **options):
        sent = send_due_reminders(hours=hours)
        self.stdout.write(f"Reminders sent: {sent['therapist']} to therapists, {sent['patient']} to patients.")
