"""Blocked times and weekly availability: what a booking must respect besides other sessions."""

from datetime import time
from zoneinfo import ZoneInfo

from django.conf import settings

from scheduling import messages as msg
from scheduling.choices import WEEKDAYS
from scheduling.models import AvailabilityDay, BlockedTime
from sessai.errors import Conflict


def blocked_conflict(*, therapist_id, starts_at, ends_at, exclude_id=None) -> BlockedTime | None:
    qs = BlockedTime.objects.filter(therapist_id=therapist_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("starts_at").first()


def weekly_schedule(membership) -> dict:
    """The 7-day map {monday: {start, end, available}, ...}, defaults filled in."""
    rows = {row.weekday: row for row in AvailabilityDay.objects.filter(membership=membership)}
    return weekly_schedule_from_rows(rows)


def weekly_schedule_from_rows(rows: dict) -> dict:
    schedule = {}
    for index, day in enumerate(WEEKDAYS):
        row = rows.get(index)
        if row is not None:
            schedule[day] = {"start": row.start.strftime("%H:%M"), "end": row.end.strftime("%H:%M"), "available": row.available}
        else:
            start, end, available = settings.DEFAULT_WEEKLY_SCHEDULE[day]
            schedule[day] = {"start": start, "end": end, "available": available}
    return schedule


def availability_check(*, practice, therapist_id, starts_at, ends_at) -> None:
    """409 unless [starts_at, ends_at) falls inside the therapist's available hours that day."""
    from accounts.models import Membership

    membership = Membership.objects.get(practice=practice, user_id=therapist_id)
    tz = ZoneInfo(practice.timezone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    day = weekly_schedule(membership)[WEEKDAYS[start.weekday()]]
    opens, closes = time.fromisoformat(day["start"]), time.fromisoformat(day["end"])
    inside = (
        day["available"]
        and start.date() == end.date()
        and opens <= start.time()
        and end.time() <= closes
    )
    if not inside:
        raise Conflict(msg.OUTSIDE_AVAILABILITY, code="outside_availability")
