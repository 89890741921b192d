"""What the calendar tells the parts of scheduling above it, without importing them: online
booking and the wait-list (`scheduling.booking.receivers`) listen."""

from django.dispatch import Signal

# A session about to be cancelled, still in its former state (a request awaiting approval is
# still marked so): the patient of a declined request hears so, and its hour goes to the wait-list.
# Arguments: session.
session_cancelled = Signal()

# Calendar time that became free (a removed block). Arguments: practice_id, therapist_id,
# starts_at, ends_at.
time_freed = Signal()
