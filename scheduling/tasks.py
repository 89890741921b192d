"""Calendar jobs. The periodic ones replace running `send_session_reminders` from a scheduler;
the command stays for operators."""

from datetime import datetime

from django.conf import settings
from procrastinate.contrib.django import app

from scheduling.booking.services import waitlist_offer_hour
from scheduling.services import measurement
from scheduling.services.reminders import send_due_reminders
from sessai import scope


@app.periodic(cron="*/10 * * * *")
@app.task(queueing_lock="session_reminders")
@scope.platform_job
def session_reminders(timestamp: int) -> dict:
    """Every 10 minutes: reminders for sessions starting within SESSION_REMINDER_HOURS. Each one
    is claimed in the database first, so overlapping runs never send the same reminder twice."""
    return send_due_reminders(hours=settings.SESSION_REMINDER_HOURS)


@app.task(retry=5)
@scope.job_in_practice()
def waitlist_offer(*, practice_id: str, therapist_id: str, starts_at: str, ends_at: str) -> int:
    """A cancelled hour goes to the first people on the wait-list whose window holds it. Running it
    twice sends nothing new: an entry gets one offer per hour."""
    return waitlist_offer_hour(
        practice_id=practice_id,
        therapist_id=therapist_id,
        starts_at=datetime.fromisoformat(starts_at),
        ends_at=datetime.fromisoformat(ends_at),
    )


@app.periodic(cron="*/10 * * * *")
@app.task(queueing_lock="questionnaires_send")
@scope.platform_job
def questionnaires_send(timestamp: int) -> int:
    """Every 10 minutes: the questionnaire links of the sessions starting within
    QUESTIONNAIRE_HOURS_BEFORE whose patient's plan makes them due (each claimed once)."""
    return measurement.send_due_questionnaires(hours=settings.QUESTIONNAIRE_HOURS_BEFORE)


@app.task(retry=5)
@scope.job_in_practice_of("scheduling.RiskAlert", "alert_id")
def risk_alert_notify(alert_id: str) -> bool:
    """The treating therapist's email about a new risk alert, once however often it runs."""
    return measurement.risk_alert_notify(alert_id)
