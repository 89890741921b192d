"""Write operations on sessions: booking and recording (no double-booking, also under concurrency),
editing, signing, addenda, assessments and attachments."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.formats import date_format

from accounts.choices import Role
from accounts.models import Membership
from patients.services import patient_session_stats_set
from scheduling import instruments
from scheduling import messages as msg
from scheduling.choices import INSTRUMENT_ITEMS, SCALE_TYPES, EditScope, Frequency, SessionStatus
from scheduling.models import Addendum, Assessment, Attachment, Session, SessionSeries
from sessai.errors import Conflict, Forbidden, PayloadTooLarge, ServiceUnavailable, ValidationFailed
from sessai.files import name_for, sniff, too_large
from sessai.sanitize import clean_clinical_html, html_text

ACTIVE_STATUSES = [SessionStatus.SCHEDULED, SessionStatus.COMPLETED, SessionStatus.NO_SHOW]
TRANSITIONS = {
    SessionStatus.SCHEDULED: {SessionStatus.COMPLETED, SessionStatus.CANCELLED, SessionStatus.NO_SHOW},
}


def content_clean(value: str, *, field: str = "content") -> str:
    """Sanitize record HTML; a record with no visible text is refused."""
    cleaned = clean_clinical_html(value)
    if not html_text(cleaned):
        raise ValidationFailed(msg.CONTENT_EMPTY, errors={field: [str(msg.CONTENT_EMPTY)]})
    return cleaned


def patient_stats_refresh(patient_id) -> None:
    """Recompute the patient's derived session columns from the completed sessions."""
    agg = Session.objects.filter(patient_id=patient_id, status=SessionStatus.COMPLETED).aggregate(
        total=Count("id"), first=Min("starts_at"), last=Max("starts_at")
    )
    from patients.models import Patient

    tz = Patient.objects.filter(pk=patient_id).values_list("practice__timezone", flat=True).first()
    local = lambda value: timezone.localtime(value, timezone=_zone(tz)).date() if value else None  # noqa: E731
    patient_session_stats_set(patient_id=patient_id, total=agg["total"], first_date=local(agg["first"]), last_date=local(agg["last"]))


def _zone(name):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name or settings.TIME_ZONE)


def _lock_therapist(*, practice_id, therapist_id) -> Membership:
    """Serialize every booking of one therapist: the membership row is the lock. Two concurrent
    requests for overlapping slots queue here, and the second sees the first's session."""
    return Membership.objects.select_for_update().get(practice_id=practice_id, user_id=therapist_id)


def conflict(template, obj, tz: str) -> Conflict:
    """409 whose message names the clashing interval in the practice's wall clock."""
    start, end = timezone.localtime(obj.starts_at, timezone=_zone(tz)), timezone.localtime(obj.ends_at, timezone=_zone(tz))
    return Conflict(template % {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"),
                                "date": date_format(start.date(), "SHORT_DATE_FORMAT")}, code="conflict")


def conflicts_check(*, practice, therapist_id, starts_at, ends_at, exclude_id=None) -> None:
    """409 naming the first non-cancelled session or blocked time of the therapist that overlaps
    [starts_at, ends_at). Touching intervals do not overlap."""
    clash = (
        Session.objects.overlapping(starts_at, ends_at).filter(therapist_id=therapist_id, status__in=ACTIVE_STATUSES)
        .exclude(pk=exclude_id)
        .order_by("starts_at")
        .first()
    )
    if clash:
        raise conflict(msg.CONFLICT_SESSION, clash, practice.timezone)
    from scheduling.availability import blocked_conflict

    blocked = blocked_conflict(therapist_id=therapist_id, starts_at=starts_at, ends_at=ends_at)
    if blocked:
        raise conflict(msg.CONFLICT_BLOCKED, blocked, practice.timezone)


def therapist_resolve(*, membership: Membership, therapist_id, lock: bool = False):
    """The session's therapist: the caller by default; another active practitioner of the practice
    when given. Therapists book for themselves; admins and assistants for anyone. With `lock`
    (inside a transaction), the therapist's membership row is locked by the same statement that
    finds it: see `_lock_therapist`."""
    if therapist_id is None or therapist_id == membership.user_id:
        if membership.role == Role.ASSISTANT:
            raise ValidationFailed(msg.THERAPIST_REQUIRED, errors={"therapistId": [str(msg.THERAPIST_REQUIRED)]})
        if lock:
            _lock_therapist(practice_id=membership.practice_id, therapist_id=membership.user_id)
        return membership.user_id
    if membership.role == Role.THERAPIST:
        raise Forbidden()
    found = Membership.objects.active().filter(
        practice_id=membership.practice_id, user_id=therapist_id, role__in=[Role.THERAPIST, Role.ADMIN]
    )
    exists = found.select_for_update(of=("self",)).values_list("pk", flat=True).first() is not None if lock else found.exists()
    if not exists:
        raise ValidationFailed(msg.THERAPIST_NOT_FOUND, errors={"therapistId": [str(msg.THERAPIST_NOT_FOUND)]})
    return therapist_id


def slot_check(*, practice, therapist_id, starts_at, ends_at, status, allow_outside: bool, exclude_id=None) -> None:
    """Everything a slot must satisfy: no overlap (sessions, blocked times); a scheduled booking
    also inside weekly availability unless explicitly allowed. Call with the therapist locked."""
    if status == SessionStatus.CANCELLED:
        return
    conflicts_check(practice=practice, therapist_id=therapist_id, starts_at=starts_at, ends_at=ends_at, exclude_id=exclude_id)
    if status == SessionStatus.SCHEDULED and not allow_outside:
        from scheduling.availability import availability_check

        availability_check(practice=practice, therapist_id=therapist_id, starts_at=starts_at, ends_at=ends_at)


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
    slot_check(practice=practice, therapist_id=fields["therapist_id"], starts_at=data["starts_at"], ends_at=data["ends_at"],
               status=fields["status"], allow_outside=allow_outside)
    session = Session.objects.create(practice=practice, patient=patient, created_by_id=membership.user_id, **fields, **data)
    for item in assessments:
        assessment_add(session=session, membership=membership, data=item)
    if session.status == SessionStatus.COMPLETED:
        patient_stats_refresh(patient.pk)
    return session


def occurrences(*, starts_at: datetime, ends_at: datetime, tz: str, frequency: str, count=None, until=None) -> list:
    """Local wall-clock repetitions of a slot (DST-aware): [(day, start, end) or (day, None, None)
    when the wall-clock time does not exist that day]."""
    from datetime import timedelta

    from scheduling.timeutils import local_datetime

    local_start = starts_at.astimezone(_zone(tz))
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
    series = SessionSeries.objects.create(practice=practice, frequency=recurrence["frequency"], created_by_id=membership.user_id)
    created, skipped = [], []
    base = {k: v for k, v in data.items() if k not in ("starts_at", "ends_at")}
    for day, starts_at, ends_at in occurrences(
        starts_at=data["starts_at"], ends_at=data["ends_at"], tz=practice.timezone, frequency=recurrence["frequency"],
        count=recurrence.get("count"), until=recurrence.get("until"),
    ):
        if starts_at is None:
            skipped.append({"date": day, "reason": str(msg.NONEXISTENT_TIME)})
            continue
        try:
            slot_check(practice=practice, therapist_id=fields["therapist_id"], starts_at=starts_at, ends_at=ends_at,
                       status=fields["status"], allow_outside=allow_outside)
        except Conflict as exc:
            skipped.append({"date": day, "reason": str(exc.message)})
            continue
        created.append(Session.objects.create(
            practice=practice, patient=patient, created_by_id=membership.user_id, series=series,
            starts_at=starts_at, ends_at=ends_at, **fields, **base,
        ))
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
    zone = _zone(session.practice.timezone)
    old_start = session.starts_at.astimezone(zone)
    for target in targets:
        changes = dict(data)
        if target.pk != session.pk and ("starts_at" in data or "ends_at" in data):
            from scheduling.timeutils import local_datetime

            new_start_utc = data.get("starts_at", session.starts_at)
            length = data.get("ends_at", session.ends_at) - new_start_utc  # both absolute: real duration
            new_start = new_start_utc.astimezone(zone)
            day = target.starts_at.astimezone(zone).date() + (new_start.date() - old_start.date())
            changes["starts_at"] = local_datetime(day, new_start.time().replace(tzinfo=None), session.practice.timezone)
            changes["ends_at"] = changes["starts_at"] + length
        moved = any(k in changes for k in ("starts_at", "ends_at", "therapist_id"))
        for field, value in changes.items():
            setattr(target, field, value)
        if target.ends_at <= target.starts_at:
            raise ValidationFailed(msg.END_BEFORE_START, errors={"endTime": [str(msg.END_BEFORE_START)]})
        if moved:
            _lock_therapist(practice_id=target.practice_id, therapist_id=target.therapist_id)
            slot_check(practice=session.practice, therapist_id=target.therapist_id, starts_at=target.starts_at,
                       ends_at=target.ends_at, status=target.status, allow_outside=allow_outside, exclude_id=target.pk)
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
            from scheduling.portal import booking_declined, hour_freed

            booking_declined(target)
            hour_freed(target)
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


def addendum_add(*, session: Session, membership: Membership, content: str) -> Addendum:
    if not session.signed_at:
        raise Conflict(msg.ADDENDUM_NEEDS_SIGNATURE, code="not_signed")
    return Addendum.objects.create(session=session, author_id=membership.user_id, content=content_clean(content))


def assessment_add(*, session: Session, membership: Membership, data: dict) -> Assessment:
    """A 1–10 scale (mood, anxiety, progress, custom) or an instrument scored here (PHQ-9, GAD-7)."""
    kind = data["type"]
    assessment = Assessment(
        session=session, patient_id=session.patient_id, type=kind, notes=data.get("notes", ""),
        label=data.get("label", ""), created_by_id=membership.user_id,
    )
    if kind in SCALE_TYPES:
        if data.get("scale") is None:
            raise ValidationFailed(msg.SCALE_REQUIRED, errors={"scale": [str(msg.SCALE_REQUIRED)]})
        assessment.scale = data["scale"]
    else:
        items = data.get("items") or []
        expected = INSTRUMENT_ITEMS[kind]
        if len(items) != expected or any(not 0 <= i <= 3 for i in items):
            text = msg.ITEMS_REQUIRED % {"count": expected}
            raise ValidationFailed(text, errors={"items": [text]})
        assessment.items = items
        assessment.score, assessment.severity = instruments.score(kind, items)
    assessment.save()
    return assessment


def assessment_delete(*, assessment: Assessment) -> None:
    if assessment.session.signed_at:
        raise Conflict(msg.SIGNED_IMMUTABLE, code="signed")
    assessment.delete()


def attachment_add(*, session: Session, membership: Membership, upload) -> Attachment:
    """Store an upload after checking its size and its real type (sniffed from the bytes).
    A signed record is closed: files go with an addendum's text, not onto the record."""
    if session.signed_at:
        raise Conflict(msg.SIGNED_IMMUTABLE, code="signed")
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise PayloadTooLarge(too_large(limit), errors={"file": [too_large(limit)]})
    head = upload.read(4096)
    upload.seek(0)
    mime = sniff(head)
    if mime not in settings.ATTACHMENT_ALLOWED_TYPES:
        raise ValidationFailed(msg.FILE_TYPE_NOT_ALLOWED, code="file_type", errors={"file": [str(msg.FILE_TYPE_NOT_ALLOWED)]})
    attachment = Attachment(
        session=session, file_name=name_for(upload.name, mime)[-255:], file_type=mime, size=upload.size, uploaded_by_id=membership.user_id
    )
    try:
        attachment.file.save(upload.name, upload, save=False)
    except Exception as exc:  # storage down: no row is written
        raise ServiceUnavailable(msg.STORAGE_UNAVAILABLE, code="storage_unavailable") from exc
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def attachment_delete(*, attachment: Attachment) -> None:
    """Remove the row and the stored file (after the transaction commits); never from a signed record."""
    if attachment.session.signed_at:
        raise Conflict(msg.SIGNED_IMMUTABLE, code="signed")
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
