"""Read queries for sessions. `session_scope` and `record_patient_ids` are the one place that says
who sees which appointment and whose clinical record."""

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, router
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from psycopg.types.datetime import TimestamptzLoader

from accounts.choices import Role
from accounts.models import Membership
from accounts.schedule import WEEKDAYS
from patients.models import CareTeamMember
from patients.selectors import patient_scope
from scheduling.choices import SessionStatus
from scheduling.models import Addendum, Assessment, Attachment, BlockedTime, Session
from scheduling.rules import ACTIVE_STATUSES, weekly_schedule
from scheduling.timeutils import day_bounds
from sessai.cache import cached


def session_scope(membership: Membership) -> QuerySet[Session]:
    """Every appointment of the practice: the calendar is shared (clinical fields are filtered per
    object by `record_patient_ids`)."""
    return Session.objects.filter(practice_id=membership.practice_id)


def record_scope(membership: Membership) -> QuerySet[Session]:
    """Sessions whose clinical record the member may read: admins all, therapists their care-team
    patients', assistants none."""
    if membership.role == Role.ASSISTANT:
        return Session.objects.none()
    return Session.objects.filter(practice_id=membership.practice_id, patient__in=patient_scope(membership))


def record_patient_ids(membership: Membership):
    """None when every record is visible (admins); otherwise the set of patient ids (one query)."""
    if membership.role == Role.ADMIN:
        return None
    if membership.role == Role.ASSISTANT:
        return frozenset()
    return frozenset(CareTeamMember.objects.filter(user_id=membership.user_id).values_list("patient_id", flat=True))


def _color():
    return Subquery(
        Membership.objects.filter(user_id=OuterRef("therapist_id"), practice_id=OuterRef("practice_id")).values(
            "color"
        )[:1]
    )


def with_details(qs: QuerySet[Session], *, clinical: bool) -> QuerySet[Session]:
    """Names and colors in the same query; the record's children prefetched only when shown, as
    plain lists (`assessment_list`, `attachment_list`, `addendum_list`: what `SessionSerializer`
    reads). Into the relations' managers instead, Django builds a filtered queryset per session and
    relation to hold each list: 60 for a page of 20, most of the history's time in Python."""
    qs = qs.select_related("patient", "therapist").annotate(therapist_color=_color())
    if clinical:
        qs = qs.prefetch_related(
            Prefetch("assessments", queryset=Assessment.objects.order_by("created_at"), to_attr="assessment_list"),
            Prefetch("attachments", queryset=Attachment.objects.order_by("created_at"), to_attr="attachment_list"),
            Prefetch(
                "addenda",
                queryset=Addendum.objects.select_related("author").order_by("created_at"),
                to_attr="addendum_list",
            ),
        )
    return qs


def patient_sessions(*, membership: Membership, patient, statuses=(SessionStatus.COMPLETED,)) -> QuerySet[Session]:
    """A patient's history in the given statuses (the clinical records by default), newest first."""
    qs = record_scope(membership).filter(patient=patient, status__in=statuses)
    return with_details(qs, clinical=True).order_by("-starts_at", "-id")


def patient_assessments(*, membership: Membership, patient, type_: str = "") -> QuerySet[Assessment]:
    qs = Assessment.objects.filter(patient=patient, session__in=record_scope(membership)).select_related("session")
    if type_:
        qs = qs.filter(type=type_)
    return qs.order_by("session__starts_at", "created_at", "id")


def blocked_time_scope(membership: Membership) -> QuerySet[BlockedTime]:
    return BlockedTime.objects.filter(practice_id=membership.practice_id)


def calendar(
    *, membership: Membership, start, end, therapist_ids=None, statuses=None, patient_id=None, session_type=None
) -> QuerySet[Session]:
    """Events overlapping [start, end) with names and colors, in one query."""
    qs = session_scope(membership).overlapping(start, end)
    if therapist_ids:
        qs = qs.filter(therapist_id__in=therapist_ids)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if patient_id:
        qs = qs.filter(patient_id=patient_id)
    if session_type:
        qs = qs.filter(type=session_type)
    return with_details(qs, clinical=False).order_by("starts_at", "id")


# What a calendar event shows (`api.serializers.calendar_events` reads these tuples in this order).
CALENDAR_COLUMNS = (
    "id",
    "patient_id",
    "patient__name",
    "therapist_id",
    "therapist__name",
    "therapist_color",
    "starts_at",
    "ends_at",
    "type",
    "status",
    "title",
    "location",
    "notes",
    "signed_at",
    "signed_by_id",
    "cancel_reason",
    "created_at",
    "updated_at",
    "confirmation_status",
    "confirmation_at",
    "source",
    "awaiting_approval",
)


def calendar_rows(**filters) -> tuple[int, Iterator[list[tuple]]]:
    """`calendar` as plain tuples of `CALENDAR_COLUMNS`: a practice's week at scale is ~10,000
    events, and building a model instance for each costs more than the query. The rows are read
    with psycopg's C timestamptz loader: Django installs a pure-Python one on every cursor, which
    for 40,000 datetimes costs more than the query too. The session time zone is UTC (Django sets
    it), so the values are the same aware datetimes.

    Returns how many rows there are and the rows in batches of `CALENDAR_BATCH_ROWS`. The
    statement has run when this returns (in the caller's scope and on the caller's connection);
    the batches are made into Python objects only as they are taken, from the result psycopg holds,
    so a month of a large practice is never all in Python at once (a streamed answer)."""
    sql, params = calendar(**filters).values_list(*CALENDAR_COLUMNS).query.sql_with_params()
    cursor = connections[router.db_for_read(Session)].cursor()  # the replica's, in replica_reads()
    try:
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
    except BaseException:
        cursor.close()
        raise

    def batches():
        try:
            while rows := cursor.fetchmany(settings.CALENDAR_BATCH_ROWS):
                yield rows
        finally:
            cursor.close()

    return cursor.rowcount, batches()


def therapists(*, membership: Membership) -> list[dict]:
    """Calendar resources: active therapists and admins (admins may hold a caseload). Cached per
    practice; membership and user changes forget it (scheduling.apps)."""

    def load():
        rows = (
            Membership.objects.active()
            .filter(practice_id=membership.practice_id, role__in=[Role.THERAPIST, Role.ADMIN])
            .select_related("user")
            .order_by("user__name")
        )
        return [
            {
                "id": m.user_id,
                "name": m.user.name,
                "email": m.user.email,
                "color": m.color,
                "role": m.role,
                "title": m.title,
            }
            for m in rows
        ]

    return cached(therapists_cache_key(membership.practice_id), load)


def therapists_cache_key(practice_id) -> str:
    return f"cal:therapists:{practice_id}"


def completed_sessions_since(practice_ref, start):
    """How many of the practice's sessions that started at or after `start` are completed, as a
    subquery (billing's summary counts them in its own statement: COUNT(*), index-only)."""
    return Subquery(
        Session.objects.filter(practice_id=practice_ref, status=SessionStatus.COMPLETED, starts_at__gte=start)
        .order_by()
        .values("practice_id")
        .annotate(n=Count("*"))
        .values("n")
    )


def free_slots(*, practice, membership, day, duration: int, step: int | None = None) -> list[dict]:
    """Start times on a `step`-minute grid (30 by default) where a `duration`-minute session fits
    inside the day's availability without touching a session or a blocked time."""
    step = step or settings.SLOT_MINUTES
    hours = weekly_schedule(membership)[WEEKDAYS[day.weekday()]]
    if not hours["available"]:
        return []
    tz = ZoneInfo(practice.timezone)
    day_start, day_end = day_bounds(day, practice.timezone)
    busy = [
        (s, e)
        for s, e in Session.objects.overlapping(day_start, day_end)
        .filter(therapist_id=membership.user_id, status__in=ACTIVE_STATUSES)
        .values_list("starts_at", "ends_at")
    ] + [
        (s, e)
        for s, e in BlockedTime.objects.filter(
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
            slots.append(
                {
                    "start_time": cursor.astimezone(tz).strftime("%H:%M"),
                    "end_time": end.astimezone(tz).strftime("%H:%M"),
                }
            )
        cursor += timedelta(minutes=step)
    return slots
