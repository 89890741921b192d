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
from scheduling.choices import INSTRUMENT_ITEMS, SCALE_TYPES, SessionStatus
from scheduling.models import Addendum, Assessment, Attachment, Session
from sessai.errors import Conflict, Forbidden, PayloadTooLarge, ServiceUnavailable, ValidationFailed
from sessai.files import sniff
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


def _fmt(value: datetime, tz: str, kind: str) -> str:
    local = timezone.localtime(value, timezone=_zone(tz))
    return local.strftime("%H:%M") if kind == "time" else date_format(local.date(), "SHORT_DATE_FORMAT")


def conflicts_check(*, practice, therapist_id, starts_at, ends_at, exclude_id=None) -> None:
    """409 naming the first non-cancelled session or blocked time of the therapist that overlaps
    [starts_at, ends_at). Touching intervals do not overlap."""
    clash = (
        Session.objects.filter(therapist_id=therapist_id, status__in=ACTIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk=exclude_id)
        .order_by("starts_at")
        .first()
    )
    if clash:
        tz = practice.timezone
        text = msg.CONFLICT_SESSION % {
            "start": _fmt(clash.starts_at, tz, "time"), "end": _fmt(clash.ends_at, tz, "time"), "date": _fmt(clash.starts_at, tz, "date")
        }
        raise Conflict(text, code="conflict")
    from scheduling.blocking import blocked_conflict

    blocked = blocked_conflict(therapist_id=therapist_id, starts_at=starts_at, ends_at=ends_at)
    if blocked:
        tz = practice.timezone
        text = msg.CONFLICT_BLOCKED % {
            "start": _fmt(blocked.starts_at, tz, "time"), "end": _fmt(blocked.ends_at, tz, "time"), "date": _fmt(blocked.starts_at, tz, "date")
        }
        raise Conflict(text, code="conflict")


def therapist_resolve(*, membership: Membership, therapist_id):
    """The session's therapist: the caller by default; another active practitioner of the practice
    when given. Therapists book for themselves; admins and assistants for anyone."""
    if therapist_id is None or therapist_id == membership.user_id:
        if membership.role == Role.ASSISTANT:
            raise ValidationFailed(msg.THERAPIST_REQUIRED, errors={"therapistId": [str(msg.THERAPIST_REQUIRED)]})
        return membership.user_id
    if membership.role == Role.THERAPIST:
        raise Forbidden()
    exists = Membership.objects.active().filter(
        practice_id=membership.practice_id, user_id=therapist_id, role__in=[Role.THERAPIST, Role.ADMIN]
    ).exists()
    if not exists:
        raise ValidationFailed(msg.THERAPIST_NOT_FOUND, errors={"therapistId": [str(msg.THERAPIST_NOT_FOUND)]})
    return therapist_id


@transaction.atomic
def session_create(*, membership: Membership, patient, data: dict) -> Session:
    """Book an appointment (no content) or record a session that happened (with content: completed).
    Overlaps are refused under a per-therapist lock; a future booking must fall in availability."""
    practice = membership.practice
    therapist_id = therapist_resolve(membership=membership, therapist_id=data.pop("therapist_id", None))
    is_record = "content" in data  # the record form always sends it; an empty record is refused
    content = data.pop("content", "") or ""
    assessments = data.pop("assessments", None) or []
    allow_outside = data.pop("allow_outside_availability", False)
    if is_record:
        content = content_clean(content)
        if membership.role not in (Role.ADMIN, Role.THERAPIST):
            raise Forbidden()
    status = data.pop("status", None) or (SessionStatus.COMPLETED if is_record else SessionStatus.SCHEDULED)
    _lock_therapist(practice_id=practice.id, therapist_id=therapist_id)
    if status != SessionStatus.CANCELLED:
        conflicts_check(practice=practice, therapist_id=therapist_id, starts_at=data["starts_at"], ends_at=data["ends_at"])
    if status == SessionStatus.SCHEDULED and not allow_outside:
        from scheduling.blocking import availability_check

        availability_check(practice=practice, therapist_id=therapist_id, starts_at=data["starts_at"], ends_at=data["ends_at"])
    session = Session.objects.create(
        practice=practice, patient=patient, therapist_id=therapist_id, content=content, status=status,
        created_by_id=membership.user_id, **data,
    )
    for item in assessments:
        assessment_add(session=session, membership=membership, data=item)
    if status == SessionStatus.COMPLETED:
        patient_stats_refresh(patient.pk)
    return session


def _check_record_editable(session: Session, data: dict) -> None:
    if session.signed_at and ("content" in data or "goals" in data):
        raise Conflict(msg.SIGNED_IMMUTABLE, code="signed")


@transaction.atomic
def session_update(*, membership: Membership, session: Session, data: dict) -> Session:
    """Edit a session: reschedule (date/time/duration), details, notes, or the record's content."""
    session = Session.objects.select_for_update().select_related("practice").get(pk=session.pk)
    _check_record_editable(session, data)
    if "content" in data:
        data["content"] = content_clean(data["content"])
    allow_outside = data.pop("allow_outside_availability", False)
    moved = any(k in data for k in ("starts_at", "ends_at", "therapist_id"))
    if "therapist_id" in data:
        data["therapist_id"] = therapist_resolve(membership=membership, therapist_id=data["therapist_id"])
    for field, value in data.items():
        setattr(session, field, value)
    if session.ends_at <= session.starts_at:
        raise ValidationFailed(msg.END_BEFORE_START, errors={"endTime": [str(msg.END_BEFORE_START)]})
    if moved and session.status != SessionStatus.CANCELLED:
        _lock_therapist(practice_id=session.practice_id, therapist_id=session.therapist_id)
        conflicts_check(practice=session.practice, therapist_id=session.therapist_id, starts_at=session.starts_at, ends_at=session.ends_at, exclude_id=session.pk)
        if session.status == SessionStatus.SCHEDULED and not allow_outside:
            from scheduling.blocking import availability_check

            availability_check(practice=session.practice, therapist_id=session.therapist_id, starts_at=session.starts_at, ends_at=session.ends_at)
    session.save()
    patient_stats_refresh(session.patient_id)
    return session


@transaction.atomic
def session_transition(*, session: Session, to: str, reason: str = "") -> Session:
    """scheduled → completed | cancelled | no-show; anything else is 409."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if to not in TRANSITIONS.get(session.status, set()):
        label = SessionStatus(session.status).label.lower()
        raise Conflict(msg.INVALID_TRANSITION % {"status": label}, code="invalid_transition")
    session.status = to
    if to == SessionStatus.CANCELLED:
        session.cancel_reason = reason[:300]
    session.save(update_fields=["status", "cancel_reason", "updated_at"])
    patient_stats_refresh(session.patient_id)
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
    """Store an upload after checking its size and its real type (sniffed from the bytes)."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        text = msg.FILE_TOO_LARGE % {"mb": limit // (1024 * 1024)}
        raise PayloadTooLarge(text, errors={"file": [text]})
    head = upload.read(4096)
    upload.seek(0)
    mime = sniff(head)
    if mime not in settings.ATTACHMENT_ALLOWED_TYPES:
        raise ValidationFailed(msg.FILE_TYPE_NOT_ALLOWED, code="file_type", errors={"file": [str(msg.FILE_TYPE_NOT_ALLOWED)]})
    attachment = Attachment(
        session=session, file_name=upload.name[:255], file_type=mime, size=upload.size, uploaded_by_id=membership.user_id
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
    """Remove the row and the stored file (after the transaction commits)."""
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
