"""The clinical record around a session: its note's sanitizing, addenda once signed, assessments
(PHQ-9, GAD-7 and the other scales) and attachments."""

from django.conf import settings
from django.db import transaction

from accounts.models import Membership
from scheduling import instruments
from scheduling import messages as msg
from scheduling.choices import INSTRUMENT_ITEMS, SCALE_TYPES
from scheduling.models import Addendum, Assessment, Attachment, Session
from sessai.errors import Conflict, PayloadTooLarge, ServiceUnavailable, ValidationFailed
from sessai.files import name_for, sniff, too_large
from sessai.sanitize import clean_clinical_html, html_text


def content_clean(value: str, *, field: str = "content") -> str:
    """Sanitize record HTML; a record with no visible text is refused."""
    cleaned = clean_clinical_html(value)
    if not html_text(cleaned):
        raise ValidationFailed(msg.CONTENT_EMPTY, errors={field: [str(msg.CONTENT_EMPTY)]})
    return cleaned


def addendum_add(*, session: Session, membership: Membership, content: str) -> Addendum:
    if not session.signed_at:
        raise Conflict(msg.ADDENDUM_NEEDS_SIGNATURE, code="not_signed")
    return Addendum.objects.create(session=session, author_id=membership.user_id, content=content_clean(content))


def assessment_add(*, session: Session, membership: Membership, data: dict) -> Assessment:
    """A 1–10 scale (mood, anxiety, progress, custom) or an instrument scored here (PHQ-9, GAD-7)."""
    kind = data["type"]
    assessment = Assessment(
        session=session,
        patient_id=session.patient_id,
        type=kind,
        notes=data.get("notes", ""),
        label=data.get("label", ""),
        created_by_id=membership.user_id,
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
        raise ValidationFailed(
            msg.FILE_TYPE_NOT_ALLOWED, code="file_type", errors={"file": [str(msg.FILE_TYPE_NOT_ALLOWED)]}
        )
    attachment = Attachment(
        session=session,
        file_name=name_for(upload.name, mime)[-255:],
        file_type=mime,
        size=upload.size,
        uploaded_by_id=membership.user_id,
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


def session_note_set(*, session: Session, content: str) -> Session:
    """Replace an unsigned session's note with `content` (HTML, sanitized here): the scribe's draft
    applied by the therapist. The caller refuses a signed session with its own message."""
    if session.signed_at:
        raise Conflict(msg.ALREADY_SIGNED, code="signed")
    session.content = clean_clinical_html(content)
    session.save(update_fields=["content", "updated_at"])
    return session
