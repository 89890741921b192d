"""Blocked times and weekly availability, the writes (what a booking must respect besides other
sessions; the checks themselves are in `scheduling.rules`). Removing a block frees its time: the
`time_freed` signal lets the wait-list offer it."""

from django.db import transaction

from accounts.choices import Role
from accounts.schedule import WEEKDAYS
from scheduling import messages as msg
from scheduling.models import AvailabilityDay, BlockedTime, Session
from scheduling.rules import ACTIVE_STATUSES, conflict, therapist_resolve, weekly_schedule
from scheduling.signals import time_freed
from sessai.errors import Forbidden

# --- Writes -----------------------------------------------------------------------------------


@transaction.atomic
def blocked_time_create(*, membership, data: dict) -> BlockedTime:
    """Block a period. It may not cover an existing non-cancelled session (409 names it)."""
    practice = membership.practice
    therapist_id = therapist_resolve(membership=membership, therapist_id=data.pop("therapist_id"), lock=True)
    clash = (
        Session.objects.overlapping(data["starts_at"], data["ends_at"])
        .filter(therapist_id=therapist_id, status__in=ACTIVE_STATUSES)
        .order_by("starts_at")
        .first()
    )
    if clash:
        raise conflict(msg.CONFLICT_SESSION, clash, practice.timezone)
    return BlockedTime.objects.create(
        practice=practice, therapist_id=therapist_id, created_by_id=membership.user_id, **data
    )


def blocked_time_delete(*, membership, blocked: BlockedTime) -> None:
    if membership.role == Role.THERAPIST and blocked.therapist_id != membership.user_id:
        raise Forbidden()
    time_freed.send(
        sender=BlockedTime,
        practice_id=blocked.practice_id,
        therapist_id=blocked.therapist_id,
        starts_at=blocked.starts_at,
        ends_at=blocked.ends_at,
    )
    blocked.delete()


@transaction.atomic
def weekly_schedule_set(*, membership, schedule: dict) -> dict:
    """Replace a member's 7-day map (days left out keep their current value)."""
    for index, day in enumerate(WEEKDAYS):
        if day in schedule:
            value = schedule[day]
            AvailabilityDay.objects.update_or_create(
                membership=membership,
                weekday=index,
                defaults={"start": value["start"], "end": value["end"], "available": value["available"]},
            )
    return weekly_schedule(membership)
