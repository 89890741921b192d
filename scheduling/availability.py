"""Blocked times and weekly availability: what a booking must respect besides other sessions."""

from datetime import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from accounts.schedule import WEEKDAYS, weekly_schedule_from_rows
from scheduling import messages as msg
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


# --- Writes -----------------------------------------------------------------------------------


@transaction.atomic
def blocked_time_create(*, membership, data: dict) -> BlockedTime:
    """Block a period. It may not cover an existing non-cancelled session (409 names it)."""
    from scheduling.models import Session
    from scheduling.services import ACTIVE_STATUSES, conflict, therapist_resolve

    practice = membership.practice
    therapist_id = therapist_resolve(membership=membership, therapist_id=data.pop("therapist_id"), lock=True)
    clash = (
        Session.objects.overlapping(data["starts_at"], data["ends_at"]).filter(therapist_id=therapist_id, status__in=ACTIVE_STATUSES)
        .order_by("starts_at")
        .first()
    )
    if clash:
        raise conflict(msg.CONFLICT_SESSION, clash, practice.timezone)
    return BlockedTime.objects.create(practice=practice, therapist_id=therapist_id, created_by_id=membership.user_id, **data)


def blocked_time_delete(*, membership, blocked: BlockedTime) -> None:
    from accounts.choices import Role
    from sessai.errors import Forbidden

    if membership.role == Role.THERAPIST and blocked.therapist_id != membership.user_id:
        raise Forbidden()
    from scheduling.portal import time_freed

    time_freed(practice_id=blocked.practice_id, therapist_id=blocked.therapist_id, starts_at=blocked.starts_at,
               ends_at=blocked.ends_at)
    blocked.delete()


@transaction.atomic
def weekly_schedule_set(*, membership, schedule: dict) -> dict:
    """Replace a member's 7-day map (days left out keep their current value)."""
    for index, day in enumerate(WEEKDAYS):
        if day in schedule:
            value = schedule[day]
            AvailabilityDay.objects.update_or_create(
                membership=membership, weekday=index,
                defaults={"start": value["start"], "end": value["end"], "available": value["available"]},
            )
    return weekly_schedule(membership)


# --- Free slots -------------------------------------------------------------------------------


def free_slots(*, practice, membership, day, duration: int, step: int | None = None) -> list[dict]:
    """Start times on a `step`-minute grid (30 by default) where a `duration`-minute session fits
    inside the day's availability without touching a session or a blocked time."""
    from datetime import UTC, datetime, timedelta

    from scheduling.models import Session
    from scheduling.services import ACTIVE_STATUSES
    from scheduling.timeutils import day_bounds

    step = step or settings.SLOT_MINUTES
    hours = weekly_schedule(membership)[WEEKDAYS[day.weekday()]]
    if not hours["available"]:
        return []
    tz = ZoneInfo(practice.timezone)
    day_start, day_end = day_bounds(day, practice.timezone)
    busy = [
        (s, e) for s, e in Session.objects.overlapping(day_start, day_end).filter(therapist_id=membership.user_id, status__in=ACTIVE_STATUSES).values_list("starts_at", "ends_at")
    ] + [
        (s, e) for s, e in BlockedTime.objects.filter(
            therapist_id=membership.user_id, starts_at__lt=day_end, ends_at__gt=day_start
        ).values_list("starts_at", "ends_at")
    ]
    # UTC arithmetic: a ZoneInfo datetime adds wall-clock minutes, wrong on DST-change days.
    opens = datetime.combine(day, time.fromisoformat(hours["start"]), tzinfo=tz).astimezone(UTC)
    closes = datetime.combine(day, time.fromisoformat(hours["end"]), tzinfo=tz).astimezone(UTC)
    slots, cursor, length = [], opens, timedelta(minutes=duration)
    while cursor + length <= closes:
        end = cursor + length
        if not any(s < end and e > cursor for s, e in busy):
            slots.append({"start_time": cursor.astimezone(tz).strftime("%H:%M"), "end_time": end.astimezone(tz).strftime("%H:%M")})
        cursor += timedelta(minutes=step)
    return slots
