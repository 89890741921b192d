"""What every booking must satisfy, whoever books it (the calendar, a patient online, a wait-list
claim): one lock per therapist, no overlap with a session or a blocked time, and, for a scheduled
session, the therapist's weekly hours. Reads only; the writers (`scheduling.services`,
`scheduling.booking`) call these with the therapist locked."""

from datetime import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from accounts.choices import Role
from accounts.models import Membership
from accounts.schedule import WEEKDAYS, weekly_schedule_from_rows
from scheduling import messages as msg
from scheduling.choices import SessionStatus
from scheduling.models import AvailabilityDay, BlockedTime, Session
from sessai.errors import Conflict, Forbidden, ValidationFailed

ACTIVE_STATUSES = [SessionStatus.SCHEDULED, SessionStatus.COMPLETED, SessionStatus.NO_SHOW]


def zone(name):
    return ZoneInfo(name or settings.TIME_ZONE)


def therapist_lock(*, practice_id, therapist_id) -> Membership:
    """Serialize every booking of one therapist: the membership row is the lock. Two concurrent
    requests for overlapping slots queue here, and the second sees the first's session."""
    return Membership.objects.select_for_update().get(practice_id=practice_id, user_id=therapist_id)


def conflict(template, obj, tz: str) -> Conflict:
    """409 whose message names the clashing interval in the practice's wall clock."""
    start, end = (
        timezone.localtime(obj.starts_at, timezone=zone(tz)),
        timezone.localtime(obj.ends_at, timezone=zone(tz)),
    )
    return Conflict(
        template
        % {
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "date": date_format(start.date(), "SHORT_DATE_FORMAT"),
        },
        code="conflict",
    )


def blocked_conflict(*, therapist_id, starts_at, ends_at, exclude_id=None) -> BlockedTime | None:
    qs = BlockedTime.objects.filter(therapist_id=therapist_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("starts_at").first()


def conflicts_check(*, practice, therapist_id, starts_at, ends_at, exclude_id=None) -> None:
    """409 naming the first non-cancelled session or blocked time of the therapist that overlaps
    [starts_at, ends_at). Touching intervals do not overlap."""
    clash = (
        Session.objects.overlapping(starts_at, ends_at)
        .filter(therapist_id=therapist_id, status__in=ACTIVE_STATUSES)
        .exclude(pk=exclude_id)
        .order_by("starts_at")
        .first()
    )
    if clash:
        raise conflict(msg.CONFLICT_SESSION, clash, practice.timezone)
    blocked = blocked_conflict(therapist_id=therapist_id, starts_at=starts_at, ends_at=ends_at)
    if blocked:
        raise conflict(msg.CONFLICT_BLOCKED, blocked, practice.timezone)


def therapist_resolve(*, membership: Membership, therapist_id, lock: bool = False):
    """The session's therapist: the caller by default; another active practitioner of the practice
    when given. Therapists book for themselves; admins and assistants for anyone. With `lock`
    (inside a transaction), the therapist's membership row is locked by the same statement that
    finds it: see `therapist_lock`."""
    if therapist_id is None or therapist_id == membership.user_id:
        if membership.role == Role.ASSISTANT:
            raise ValidationFailed(msg.THERAPIST_REQUIRED, errors={"therapistId": [str(msg.THERAPIST_REQUIRED)]})
        if lock:
            therapist_lock(practice_id=membership.practice_id, therapist_id=membership.user_id)
        return membership.user_id
    if membership.role == Role.THERAPIST:
        raise Forbidden()
    found = Membership.objects.active().filter(
        practice_id=membership.practice_id, user_id=therapist_id, role__in=[Role.THERAPIST, Role.ADMIN]
    )
    exists = (
        found.select_for_update(of=("self",)).values_list("pk", flat=True).first() is not None
        if lock
        else found.exists()
    )
    if not exists:
        raise ValidationFailed(msg.THERAPIST_NOT_FOUND, errors={"therapistId": [str(msg.THERAPIST_NOT_FOUND)]})
    return therapist_id


def weekly_schedule(membership) -> dict:
    """The 7-day map {monday: {start, end, available}, ...}, defaults filled in."""
    rows = {row.weekday: row for row in AvailabilityDay.objects.filter(membership=membership)}
    return weekly_schedule_from_rows(rows)


def availability_check(*, practice, therapist_id, starts_at, ends_at) -> None:
    """409 unless [starts_at, ends_at) falls inside the therapist's available hours that day."""
    membership = Membership.objects.get(practice=practice, user_id=therapist_id)
    tz = ZoneInfo(practice.timezone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    day = weekly_schedule(membership)[WEEKDAYS[start.weekday()]]
    opens, closes = time.fromisoformat(day["start"]), time.fromisoformat(day["end"])
    inside = day["available"] and start.date() == end.date() and opens <= start.time() and end.time() <= closes
    if not inside:
        raise Conflict(msg.OUTSIDE_AVAILABILITY, code="outside_availability")


def slot_check(*, practice, therapist_id, starts_at, ends_at, status, allow_outside: bool, exclude_id=None) -> None:
    """Everything a slot must satisfy: no overlap (sessions, blocked times); a scheduled booking
    also inside weekly availability unless explicitly allowed. Call with the therapist locked."""
    if status == SessionStatus.CANCELLED:
        return
    conflicts_check(
        practice=practice, therapist_id=therapist_id, starts_at=starts_at, ends_at=ends_at, exclude_id=exclude_id
    )
    if status == SessionStatus.SCHEDULED and not allow_outside:
        availability_check(practice=practice, therapist_id=therapist_id, starts_at=starts_at, ends_at=ends_at)


def slot_free(*, therapist_id, starts_at, ends_at) -> bool:
    busy = Session.objects.overlapping(starts_at, ends_at).filter(therapist_id=therapist_id, status__in=ACTIVE_STATUSES)
    return (
        not busy.exists() and blocked_conflict(therapist_id=therapist_id, starts_at=starts_at, ends_at=ends_at) is None
    )
