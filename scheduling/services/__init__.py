"""scheduling's writes, one module a concern: `sessions` (book, record, series, edit, cancel,
sign), `records` (the note's sanitizing, addenda, assessments, attachments), `availability`
(blocked times, weekly hours) and `reminders` (the reminder emails' claims). The names below are
the public ones views and other apps call; online booking's writes are in `scheduling.booking`."""

from scheduling.services.availability import blocked_time_create, blocked_time_delete, weekly_schedule_set
from scheduling.services.records import (
    addendum_add,
    assessment_add,
    assessment_delete,
    attachment_add,
    attachment_delete,
    content_clean,
)
from scheduling.services.sessions import (
    patient_stats_refresh,
    session_create,
    session_series_create,
    session_sign,
    session_transition,
    session_update,
)

__all__ = [
    "addendum_add",
    "assessment_add",
    "assessment_delete",
    "attachment_add",
    "attachment_delete",
    "blocked_time_create",
    "blocked_time_delete",
    "content_clean",
    "patient_stats_refresh",
    "session_create",
    "session_series_create",
    "session_sign",
    "session_transition",
    "session_update",
    "weekly_schedule_set",
]
