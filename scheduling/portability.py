"""The scheduling sections of a patient's data-portability export, and what anonymization erases
here when the record's retention period ends."""

from django.db.models import Q

from scheduling.models import (
    Addendum,
    Assessment,
    Attachment,
    EmailCode,
    QuestionnaireRequest,
    Session,
    WaitlistEntry,
)


def sessions_section(patient) -> list[dict]:
    sessions = (
        Session.objects.filter(patient=patient)
        .select_related("therapist")
        .prefetch_related("addenda__author", "attachments")
        .order_by("starts_at")
    )
    return [
        {
            "id": str(x.id),
            "startsAt": x.starts_at.isoformat(),
            "endsAt": x.ends_at.isoformat(),
            "status": x.status,
            "type": x.type,
            "therapist": x.therapist.name,
            "title": x.title,
            "location": x.location,
            "notes": x.notes,
            "content": x.content,
            "goals": x.goals,
            "signedAt": x.signed_at.isoformat() if x.signed_at else None,
            "addenda": [
                {"author": a.author.name, "content": a.content, "createdAt": a.created_at.isoformat()}
                for a in x.addenda.all()
            ],
            "attachments": [
                {
                    "id": str(a.id),
                    "fileName": a.file_name,
                    "fileType": a.file_type,
                    "size": a.size,
                    "createdAt": a.created_at.isoformat(),
                }
                for a in x.attachments.all()
            ],
        }
        for x in sessions
    ]


def questionnaires_section(patient) -> list[dict]:
    """The questionnaires sent by link: when, which, the answers given, any risk alert."""
    return [
        {
            "id": str(q.id),
            "sessionId": str(q.session_id),
            "instruments": q.instruments,
            "sentAt": q.sent_at.isoformat(),
            "completedAt": q.completed_at.isoformat() if q.completed_at else None,
            "answers": q.answers,
            "risk": q.risk,
        }
        for q in QuestionnaireRequest.objects.filter(patient=patient).order_by("sent_at")
    ]


def assessments_section(patient) -> list[dict]:
    return [
        {
            "id": str(a.id),
            "sessionId": str(a.session_id),
            "type": a.type,
            "label": a.label,
            "scale": a.scale,
            "items": a.items,
            "score": a.score,
            "severity": a.severity,
            "notes": a.notes,
            "createdAt": a.created_at.isoformat(),
        }
        for a in Assessment.objects.filter(patient=patient).order_by("created_at")
    ]


def erase_patient(erasure) -> None:
    """Session contents, addenda and attachments go; dates, statuses, durations and assessment
    scores stay (counts). The wait-list and pending booking codes lose the person's details."""
    patient = erasure.patient
    attachments = list(Attachment.objects.filter(session__patient=patient))
    erasure.add_files(a.file for a in attachments)
    erasure.object_ids.update(str(a.pk) for a in attachments)
    for attachment in attachments:
        attachment.delete()
    for addendum in Addendum.objects.filter(session__patient=patient):
        erasure.object_ids.add(str(addendum.pk))
        addendum.delete()
    for session in Session.objects.filter(patient=patient).exclude(
        content="", notes="", goals=[], title="", cancel_reason=""
    ):
        session.content, session.notes, session.goals, session.title, session.cancel_reason = "", "", [], "", ""
        session.save(update_fields=["content", "notes", "goals", "title", "cancel_reason", "updated_at"])
    Assessment.objects.filter(patient=patient).exclude(notes="").update(notes="")
    # the answers given by link go; the scored assessments stay, as the therapist's typed ones do
    for request in QuestionnaireRequest.objects.filter(patient=patient).exclude(answers={}):
        erasure.object_ids.add(str(request.pk))
        request.answers = {}
        request.save(update_fields=["answers"])
    who = Q(session__patient=patient)
    if patient.email:
        who |= Q(practice_id=patient.practice_id, email__iexact=patient.email)
    if patient.rut:
        who |= Q(practice_id=patient.practice_id, rut=patient.rut)
    for entry in WaitlistEntry.objects.filter(who):
        erasure.object_ids.add(str(entry.pk))
        entry.delete()
    if patient.email:
        EmailCode.objects.filter(practice_id=patient.practice_id, email__iexact=patient.email).delete()
