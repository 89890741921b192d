"""Calendar jobs. The periodic ones replace running `send_session_reminders` from a scheduler;
the command stays for operators."""

from django.conf import settings
from procrastinate.contrib.django import app

from scheduling.reminders import send_due_reminders


@app.periodic(cron="*/10 * * * *")
@app.task(queueing_lock="session_reminders")
def session_reminders(timestamp: int) -> dict:
    """Every 10 minutes: reminders for sessions starting within SESSION_REMINDER_HOURS. Each one
    is claimed in the database first, so overlapping runs never send the same reminder twice."""
    return send_due_reminders(hours=settings.SESSION_REMINDER_HOURS)
