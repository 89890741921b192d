"""Session reminders by email. Each (session, recipient, start time) is claimed by inserting a
SessionReminder row first: the unique constraint makes a second run, or a concurrent one, skip it."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import emails
from scheduling.choices import SessionStatus
from scheduling.links import appointment_link
from scheduling.models import CalendarSettings, Session, SessionReminder


def _claim(session: Session, recipient: str) -> bool:
    try:
        with transaction.atomic():
            SessionReminder.objects.create(session=session, recipient=recipient, starts_at=session.starts_at)
            return True
    except IntegrityError:
        return False  # already sent (or being sent by another run)


@transaction.atomic
def _send(session: Session, recipient: str, to: str, language: str) -> bool:
    """The claim and the queued email commit together: a reminder is queued exactly once."""
    if not _claim(session, recipient):
        return False
    tz = ZoneInfo(session.practice.timezone)
    local = session.starts_at.astimezone(tz)
    context = {
        "session": session,
        "practice": session.practice,
        "therapist": session.therapist,
        "patient": session.patient,
        "recipient": recipient,
        "date": local.date(),
        "time": local.strftime("%H:%M"),
    }
    if recipient == "patient":  # the patient answers from the email: confirm or cancel
        context["link"] = appointment_link(session)
    earlier = (
        SessionReminder.objects.filter(session=session, recipient=recipient)
        .exclude(starts_at=session.starts_at)
        .order_by("-id")
        .first()
    )
    if earlier is not None:  # reminded before for another time: say that it moved
        before = earlier.starts_at.astimezone(tz)
        context.update(previous_date=before.strftime("%d/%m/%Y"), previous_time=before.strftime("%H:%M"))
    emails.send(
        template="session_reminder",
        to=to,
        language=language,
        context=context,
        practice=session.practice,
        from_name=session.practice.name,
    )  # queued; its job retries
    return True


def send_due_reminders(*, hours: int, now=None) -> dict:
    """Remind therapists (if their `appointments` preference is on) and patients (if the practice
    enabled it and the patient has an email) of scheduled sessions starting within `hours`."""
    now = now or timezone.now()
    sessions = (
        Session.objects.filter(
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=hours),
            practice__is_active=True,
        )  # a suspended practice sends nothing
        .select_related("practice", "patient", "therapist__profile")
        .order_by("starts_at")
    )
    patient_reminders = set(
        CalendarSettings.objects.filter(patient_reminders=True).values_list("practice_id", flat=True)
    )
    sent = {"therapist": 0, "patient": 0}
    for session in sessions:
        profile = getattr(session.therapist, "profile", None)
        if profile is None or (profile.notify_appointments and profile.notify_reminders):
            sent["therapist"] += _send(
                session, "therapist", session.therapist.email, profile.language if profile else "es"
            )
        if (
            session.practice_id in patient_reminders
            and session.patient.email
            and not session.patient.processing_blocked
        ):
            sent["patient"] += _send(session, "patient", session.patient.email, "es")
    return sent
