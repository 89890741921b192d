"""What ai_reports adds to other apps' answers: the export's reports, the dashboard's numbers, and
what anonymization erases here when the record's retention period ends."""

from django.conf import settings
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from accounts.choices import Role
from ai_reports.models import (
    AIReport,
    IdempotencyKey,
    PatientSummary,
    Recording,
    RecordingConsent,
    RecordingUpload,
    Transcript,
)
from ai_reports.services.recordings import chunks_delete
from billing.choices import EntryKind
from billing.models import CreditLedgerEntry


def reports_section(patient) -> list[dict]:
    return [
        {
            "id": str(r.id),
            "createdAt": r.created_at.isoformat(),
            "author": r.author.name,
            "rangeType": r.range_type,
            "startDate": r.range_start.isoformat() if r.range_start else None,
            "endDate": r.range_end.isoformat() if r.range_end else None,
            "model": r.model,
            "credits": float(r.credits),
            "content": r.content,
        }
        for r in AIReport.objects.filter(patient=patient).select_related("author").order_by("created_at")
    ]


def summaries_section(patient) -> list[dict]:
    """The session summaries written for the patient, sent or not, as they stand."""
    return [
        {
            "id": str(s.id),
            "sessionId": str(s.session_id),
            "status": s.status,
            "content": s.content,
            "aiModel": s.ai_model,
            "approvedAt": s.approved_at.isoformat() if s.approved_at else None,
            "sentAt": s.sent_at.isoformat() if s.sent_at else None,
            "viewedAt": s.viewed_at.isoformat() if s.viewed_at else None,
            "createdAt": s.created_at.isoformat(),
        }
        for s in PatientSummary.objects.filter(patient=patient).order_by("created_at")
    ]


def dashboard_numbers(*, membership, windows) -> dict:
    """Reports this month, minutes saved this week (per-operation estimates in settings) and the
    latest reports as activity; a therapist sees their own."""
    reports = AIReport.objects.filter(practice_id=membership.practice_id)
    usage = CreditLedgerEntry.objects.filter(
        practice_id=membership.practice_id, kind=EntryKind.USAGE, created_at__gte=windows["week_start"]
    )
    if membership.role == Role.THERAPIST:
        reports = reports.filter(author_id=membership.user_id)
        usage = usage.filter(actor_id=membership.user_id)
    month_count = reports.filter(created_at__gte=windows["month_start"]).count()
    by_operation = usage.values("operation").annotate(n=Count("id"))
    minutes = sum(settings.AI_TIME_SAVED_MINUTES.get(row["operation"], 0) * row["n"] for row in by_operation)
    latest = reports.filter(Q(created_at__lte=windows["now"])).select_related("patient").order_by("-created_at")[:10]
    return {
        "metrics": {
            "reports_this_month": {"value": month_count, "trend": "neutral"},
            "time_saved_this_week": {
                "minutes": minutes,
                "hours": round(minutes / 60, 1),
                "trend": "up" if minutes else "neutral",
            },
        },
        "activity": [
            {"type": "report", "patient_name": r.patient.name, "action": _("Informe IA generado"), "at": r.created_at}
            for r in latest
        ],
    }


def erase_patient(erasure) -> None:
    """Reports (and their PDFs), patient summaries, transcripts, recordings (and their audio) go; the ledger rows that
    charged for them stay. Saved answers of AI requests about the patient go too."""
    patient = erasure.patient
    for transcript in Transcript.objects.filter(session__patient=patient):
        erasure.object_ids.add(str(transcript.pk))
        transcript.delete()
    for recording in Recording.objects.filter(session__patient=patient):
        erasure.add_files([recording.audio])
        erasure.object_ids.add(str(recording.pk))
        recording.delete()
    for upload in RecordingUpload.objects.filter(session__patient=patient):
        chunks_delete(upload.pk)
        upload.delete()
    for summary in PatientSummary.objects.filter(patient=patient):
        erasure.object_ids.add(str(summary.pk))
        summary.delete()
    for report in AIReport.objects.filter(patient=patient):
        erasure.add_files([report.pdf])
        erasure.object_ids.add(str(report.pk))
        report.delete()
    (
        IdempotencyKey.objects.filter(practice_id=patient.practice_id)
        .alias(text=Cast("response", TextField()))
        .filter(text__contains=str(patient.pk))
        .delete()
    )


# ai_reports' tables with a patient: a merged duplicate's rows move to the patient kept.
MOVED_ON_MERGE = (AIReport, RecordingConsent, PatientSummary)


def patient_merged(sender, source, target, **kwargs) -> None:
    """A duplicate patient was merged (patients.signals.patient_merged, inside the merge's
    transaction): the reports, recording consents and summaries written on it now belong to `target`."""
    for model in MOVED_ON_MERGE:
        model.objects.filter(patient_id=source.pk).update(patient_id=target.pk)
