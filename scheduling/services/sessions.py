"""Write operations on sessions: booking and recording (no double-booking, also under concurrency),
series, editing, cancelling and signing. The rules every booking obeys are in `scheduling.rules`."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Membership
from patients.models import Patient
from patients.services import patient_session_stats_set
from scheduling import messages as msg
from scheduling.choices import EditScope, Frequency, SessionStatus
from scheduling.models import Session, SessionSeries
from scheduling.rules import slot_check, therapist_lock, therapist_resolve, zone
from scheduling.services.records import assessment_add, content_clean
from scheduling.signals import session_cancelled
from scheduling.timeutils import local_datetime
from sessai.errors import Conflict, Forbidden, ValidationFailed
from sessai.sanitize import html_text

TRANSITIONS = {
    SessionStatus.SCHEDULED: {SessionStatus.COMPLETED, SessionStatus.CANCELLED, SessionStatus.NO_SHOW},
}


def patient_stats_refresh(patient_id) -> None:
    """Recompute the patient's derived session columns from the completed sessions."""
    agg = Session.objects.filter(patient_id=patient_id, status=SessionStatus.COMPLETED).aggregate(
        total=Count("id"), first=Min("starts_at"), last=Max("starts_at")
    )
    tz = Patient.objects.filter(pk=patient_id).values_list("practice__timezone", flat=True).first()
    local = lambda value: timezone.localtime(value, timezone=zone(tz)).date() if value else None  # noqa: E731
    patient_session_stats_set(
        patient_id=patient_id, total=agg["total"], first_date=local(agg["first"]), last_date=local(agg["last"])
    )


def _prepare(*, membership: Membership, data: dict) -> dict:
    """Resolve and lock the therapist, record content and status of a new session (shared by single
    and series; inside their transaction)."""
    therapist_id = therapist_resolve(membership=membership, therapist_id=data.pop("therapist_id", None), lock=True)
    is_record = "content" in data  # the record form always sends it; an empty record is refused
    content = data.pop("content", "") or ""
    if is_record:
        if membership.role not in (Role.ADMIN, Role.THERAPIST):
            raise Forbidden()
        content = content_clean(content)
    status = data.pop("status", None) or (SessionStatus.COMPLETED if is_record else SessionStatus.SCHEDULED)
    return {"therapist_id": therapist_id, "content": content, "status": status}


@transaction.atomic
def session_create(*, membership: Membership, patient, data: dict) -> Session:
    """Book an appointment (no content) or record a session that happened (with content: completed).
    Overlaps are refused under a per-therapist lock; a booking must fall in availability unless
    `allow_outside_availability`; recording a past session checks overlaps only."""
    practice = membership.practice
    assessments = data.pop("assessments", None) or []
    allow_outside = data.pop("allow_outside_availability", False)
    fields = _prepare(membership=membership, data=data)
    slot_check(
        practice=practice,
        therapist_id=fields["therapist_id"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        status=fields["status"],
        allow_outside=allow_outside,
    )
    session = Session.objects.create(
        practice=practice, patient=patient, created_by_id=membership.user_id, **fields, **data
    )
    for item in assessments:
        assessment_add(session=session, membership=membership, data=item)
    if session.status == SessionStatus.COMPLETED:
        patient_stats_refresh(patient.pk)
    return session


def occurrences(*, starts_at: datetime, ends_at: datetime, tz: str, frequency: str, count=None, until=None) -> list:
    """Local wall-clock repetitions of a slot (DST-aware): [(day, start, end) or (day, None, None)
    when the wall-clock time does not exist that day]."""
    local_start = starts_at.astimezone(zone(tz))
    step = timedelta(days=14 if frequency == Frequency.BIWEEKLY else 7)
    limit = min(count or settings.RECURRENCE_MAX_OCCURRENCES, settings.RECURRENCE_MAX_OCCURRENCES)
    out, day = [], local_start.date()
    span = ends_at - starts_at  # real elapsed time
    while len(out) < limit and (until is None or day <= until):
        try:
            start = local_datetime(day, local_start.time().replace(tzinfo=None), tz)
            out.append((day, start, start + span))
        except ValidationFailed:
            out.append((day, None, None))
        day += step
    return out


@transaction.atomic
def session_series_create(*, membership: Membership, patient, data: dict, recurrence: dict) -> tuple:
    """A weekly/biweekly series. Occurrences that conflict (or fall outside availability, or at a
    time a DST change skips) are skipped and reported; the others are booked."""
    practice = membership.practice
    data.pop("assessments", None)
    allow_outside = data.pop("allow_outside_availability", False)
    fields = _prepare(membership=membership, data=data)
    series = SessionSeries.objects.create(
        practice=practice, frequency=recurrence["frequency"], created_by_id=membership.user_id
    )
    created, skipped = [], []
    base = {k: v for k, v in data.items() if k not in ("starts_at", "ends_at")}
    for day, starts_at, ends_at in occurrences(
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        tz=practice.timezone,
        frequency=recurrence["frequency"],
        count=recurrence.get("count"),
        until=recurrence.get("until"),
    ):
        if starts_at is None:
            skipped.append({"date": day, "reason": str(msg.NONEXISTENT_TIME)})
            continue
        try:
            slot_check(
                practice=practice,
                therapist_id=fields["therapist_id"],
                starts_at=starts_at,
                ends_at=ends_at,
                status=fields["status"],
                allow_outside=allow_outside,
            )
        except Conflict as exc:
            skipped.append({"date": day, "reason": str(exc.message)})
            continue
        created.append(
            Session.objects.create(
                practice=practice,
                patient=patient,
                created_by_id=membership.user_id,
                series=series,
                starts_at=starts_at,
                ends_at=ends_at,
                **fields,
                **base,
            )
        )
    if fields["status"] == SessionStatus.COMPLETED:
        patient_stats_refresh(patient.pk)
    return series, created, skipped


def _check_record_editable(session: Session, data: dict) -> None:
    if session.signed_at and ("content" in data or "goals" in data):
        raise Conflict(msg.SIGNED_IMMUTABLE, code="signed")


def _following(session: Session):
    """This occurrence and the later scheduled ones of its series, locked."""
    return list(
        Session.objects.select_for_update()
        .filter(series_id=session.series_id, starts_at__gte=session.starts_at, status=SessionStatus.SCHEDULED)
        .order_by("starts_at")
    )


@transaction.atomic
def session_update(*, membership: Membership, session: Session, data: dict, scope: str = EditScope.THIS) -> Session:
    """Edit a session: reschedule (date/time/duration, as drag-and-drop does), details, notes or the
    record's content. With scope "following" on a series, the same change applies to this and every
    later scheduled occurrence (each keeps its own date, shifted by the same number of days)."""
    session = Session.objects.select_for_update().select_related("practice").get(pk=session.pk)
    _check_record_editable(session, data)
    if "content" in data:
        data["content"] = content_clean(data["content"])
    allow_outside = data.pop("allow_outside_availability", False)
    if "therapist_id" in data:
        data["therapist_id"] = therapist_resolve(membership=membership, therapist_id=data["therapist_id"])
    targets = _following(session) if scope == EditScope.FOLLOWING and session.series_id else [session]
    if session not in targets:
        targets.insert(0, session)
    tz = zone(session.practice.timezone)
    old_start = session.starts_at.astimezone(tz)
    for target in targets:
        changes = dict(data)
        if target.pk != session.pk and ("starts_at" in data or "ends_at" in data):
            new_start_utc = data.get("starts_at", session.starts_at)
            length = data.get("ends_at", session.ends_at) - new_start_utc  # both absolute: real duration
            new_start = new_start_utc.astimezone(tz)
            day = target.starts_at.astimezone(tz).date() + (new_start.date() - old_start.date())
            changes["starts_at"] = local_datetime(day, new_start.time().replace(tzinfo=None), session.practice.timezone)
            changes["ends_at"] = changes["starts_at"] + length
        moved = any(k in changes for k in ("starts_at", "ends_at", "therapist_id"))
        for field, value in changes.items():
            setattr(target, field, value)
        if target.ends_at <= target.starts_at:
            raise ValidationFailed(msg.END_BEFORE_START, errors={"endTime": [str(msg.END_BEFORE_START)]})
        if moved:
            therapist_lock(practice_id=target.practice_id, therapist_id=target.therapist_id)
            slot_check(
                practice=session.practice,
                therapist_id=target.therapist_id,
                starts_at=target.starts_at,
                ends_at=target.ends_at,
                status=target.status,
                allow_outside=allow_outside,
                exclude_id=target.pk,
            )
        target.save()
    patient_stats_refresh(session.patient_id)
    return session


@transaction.atomic
def session_transition(*, session: Session, to: str, reason: str = "", scope: str = EditScope.THIS) -> Session:
    """scheduled → completed | cancelled | no-show; anything else is 409. Cancelling with scope
    "following" cancels this and the later scheduled occurrences of the series."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if to not in TRANSITIONS.get(session.status, set()):
        label = SessionStatus(session.status).label.lower()
        raise Conflict(msg.INVALID_TRANSITION % {"status": label}, code="invalid_transition")
    targets = [session]
    if to == SessionStatus.CANCELLED and scope == EditScope.FOLLOWING and session.series_id:
        targets = _following(session)
    for target in targets:
        if to == SessionStatus.CANCELLED:
            session_cancelled.send(sender=Session, session=target)  # before: receivers see its former state
            target.cancel_reason = reason[:300]
            target.awaiting_approval = False
        target.status = to
        target.save(update_fields=["status", "cancel_reason", "awaiting_approval", "updated_at"])
    patient_stats_refresh(session.patient_id)
    session.refresh_from_db()
    return session


@transaction.atomic
def session_sign(*, session: Session, membership: Membership) -> Session:
    """Stamp the record; its content is frozen from now on."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.signed_at:
        raise Conflict(msg.ALREADY_SIGNED, code="signed")
    if session.status != SessionStatus.COMPLETED or not html_text(session.content):
        raise Conflict(msg.SIGN_ONLY_RECORDS, code="invalid_state")
    session.signed_at = timezone.now()
    session.signed_by_id = membership.user_id
    session.save(update_fields=["signed_at", "signed_by", "updated_at"])
    return session
