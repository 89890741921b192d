"""The scheduling sections of a patient's data-portability export."""

from scheduling.models import Assessment, Session


def sessions_section(patient) -> list[dict]:
    sessions = (
        Session.objects.filter(patient=patient)
        .select_related("therapist")
        .prefetch_related("addenda__author", "attachments")
        .order_by("starts_at")
    )
    return [
        {
            "id": str(x.id), "startsAt": x.starts_at.isoformat(), "endsAt": x.ends_at.isoformat(), "status": x.status,
            "type": x.type, "therapist": x.therapist.name, "title": x.title, "location": x.location, "notes": x.notes,
            "content": x.content, "goals": x.goals, "signedAt": x.signed_at.isoformat() if x.signed_at else None,
            "addenda": [{"author": a.author.name, "content": a.content, "createdAt": a.created_at.isoformat()} for a in x.addenda.all()],
            "attachments": [
                {"id": str(a.id), "fileName": a.file_name, "fileType": a.file_type, "size": a.size, "createdAt": a.created_at.isoformat()}
                for a in x.attachments.all()
            ],
        }
        for x in sessions
    ]


def assessments_section(patient) -> list[dict]:
    return [
        {
            "id": str(a.id), "sessionId": str(a.session_id), "type": a.type, "label": a.label, "scale": a.scale,
            "items": a.items, "score": a.score, "severity": a.severity, "notes": a.notes, "createdAt": a.created_at.isoformat(),
        }
        for a in Assessment.objects.filter(patient=patient).order_by("created_at")
    ]
