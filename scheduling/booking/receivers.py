"""Online booking's answers to the calendar's signals (`scheduling.signals`): a cancelled request
tells its patient, and freed time is offered to the wait-list."""

from scheduling.booking.services import booking_declined, hour_freed, time_freed
from scheduling.signals import session_cancelled
from scheduling.signals import time_freed as time_freed_signal


def on_session_cancelled(sender, session, **kwargs):
    booking_declined(session)
    hour_freed(session)


def on_time_freed(sender, practice_id, therapist_id, starts_at, ends_at, **kwargs):
    time_freed(practice_id=practice_id, therapist_id=therapist_id, starts_at=starts_at, ends_at=ends_at)


def connect():
    session_cancelled.connect(on_session_cancelled, dispatch_uid="scheduling.booking.session_cancelled")
    time_freed_signal.connect(on_time_freed, dispatch_uid="scheduling.booking.time_freed")
