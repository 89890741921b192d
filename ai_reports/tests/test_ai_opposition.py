"""A patient's opposition to AI processing, or a blocked processing (Ley 21.719), stops every AI
route for them: 409 with a Spanish message, nothing sent to the provider, nothing charged. Care
goes on, and patient emails stop while processing is blocked."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from accounts.models import OutgoingEmail
from ai_reports.tests.test_api_ai import funded, gemini, patient  # noqa: F401 (fixtures)
from ai_reports.tests.test_recordings import clinic, tone, upload  # noqa: F401
from billing import services as billing
from billing.models import CreditLedgerEntry
from scheduling.models import CalendarSettings, Session
from scheduling.services.reminders import send_due_reminders


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("ai_processing", False, "ai_processing_opposed"), ("processing_blocked", True, "processing_blocked")],
)
def test_reports_and_documentation_refuse_without_calling_or_charging(
    as_therapist, patient, gemini, field, value, code
):  # noqa: F811
    setattr(patient, field, value)
    patient.save()
    ledger = CreditLedgerEntry.objects.count()
    balance = billing.balance(patient.practice)
    session_id = str(patient.sessions.first().id)
    for url, body in [
        (
            "/api/ai/reports/generate",
            {"patientId": str(patient.id), "rangeType": "lastSessions", "lastSessionsCount": 3},
        ),
        ("/api/ai/documentation/process", {"unstructuredNotes": "Refiere mejoría.", "patientId": str(patient.id)}),
        ("/api/ai/documentation/process", {"unstructuredNotes": "Refiere mejoría.", "sessionId": session_id}),
    ]:
        answer = as_therapist.post(url, body, format="json")
        assert answer.status_code == 409 and answer.json()["code"] == code, (url, answer.json())
        assert "no se envió nada al proveedor" in answer.json()["message"]
    assert gemini.requests == []
    assert CreditLedgerEntry.objects.count() == ledger and billing.balance(patient.practice) == balance
    # care goes on: the record stays readable
    assert as_therapist.get(f"/api/patients/{patient.id}").status_code == 200


def test_the_patient_field_is_set_through_the_api(as_assistant, as_therapist, patient):  # noqa: F811
    opposed = as_assistant.patch(f"/api/patients/{patient.id}", {"aiProcessing": False}, format="json")
    assert (
        opposed.status_code == 200
        and opposed.json()["aiProcessing"] is False
        and opposed.json()["processingBlocked"] is False
    )
    bad = as_assistant.patch(f"/api/patients/{patient.id}", {"aiProcessing": "quizás"}, format="json")
    assert bad.status_code == 400 and "aiProcessing" in bad.json()["errors"]
    blocked = as_therapist.patch(f"/api/patients/{patient.id}", {"processingBlocked": True}, format="json")
    assert blocked.json()["processingBlocked"] is False  # read-only: only a privacy request blocks
    patient.refresh_from_db()
    assert patient.processing_blocked is False and patient.ai_processing is False


def test_the_scribe_refuses_recordings_of_an_opposed_patient(as_therapist, clinic, gemini):  # noqa: F811
    clinic.patient.ai_processing = False
    clinic.patient.save()
    before = billing.balance(clinic.practice)
    answer = upload(as_therapist, clinic.id, tone("webm", 2.0))
    assert answer.status_code == 409 and answer.json()["code"] == "ai_processing_opposed"
    assert gemini.requests == [] and billing.balance(clinic.practice) == before


def test_blocked_patients_get_no_reminders(therapist_member, patient):  # noqa: F811
    CalendarSettings.objects.update_or_create(practice=patient.practice, defaults={"patient_reminders": True})
    starts = timezone.now() + timedelta(hours=5)
    Session.objects.create(
        practice=patient.practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    patient.processing_blocked = True
    patient.save()
    assert send_due_reminders(hours=24)["patient"] == 0
    assert not OutgoingEmail.objects.filter(template="session_reminder", to=patient.email).exists()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("ai_processing", False, "ai_processing_opposed"), ("processing_blocked", True, "processing_blocked")],
)
def test_a_note_naming_an_opposed_patient_is_refused_without_an_id(as_therapist, patient, gemini, field, value, code):  # noqa: F811
    """The probe: the same note with no patientId was answered 200; the name index finds her."""
    setattr(patient, field, value)
    patient.save()
    first, *rest = patient.name.split()
    note = f"Sesión con {first} {rest[-1]}: refiere mejoría del sueño."
    answer = as_therapist.post("/api/ai/documentation/process", {"unstructuredNotes": note}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == code
    assert gemini.requests == []
    other = as_therapist.post(
        "/api/ai/documentation/process", {"unstructuredNotes": "Sesión con Ana: refiere mejoría."}, format="json"
    )
    assert other.status_code == 200  # a note naming nobody restricted goes through


def test_only_an_admin_lifts_an_opposition_and_says_why(as_assistant, as_therapist, as_admin, patient):  # noqa: F811
    url = f"/api/patients/{patient.id}"
    assert as_assistant.patch(url, {"aiProcessing": False}, format="json").status_code == 200  # recording it: any staff
    for client in (as_assistant, as_therapist):
        refused = client.patch(url, {"aiProcessing": True, "aiProcessingReason": "Lo pidió"}, format="json")
        assert refused.status_code == 403 and "administrador" in refused.json()["message"]
    reasonless = as_admin.patch(url, {"aiProcessing": True}, format="json")
    assert reasonless.status_code == 400 and "aiProcessingReason" in reasonless.json()["errors"]
    patient.refresh_from_db()
    assert patient.ai_processing is False
    lifted = as_admin.patch(
        url, {"aiProcessing": True, "aiProcessingReason": "El paciente retiró su oposición por escrito"}, format="json"
    )
    assert lifted.status_code == 200 and lifted.json()["aiProcessing"] is True
    entry = (
        LogEntry.objects.get_for_object(patient).filter(changes__icontains="ai_processing_reason").latest("timestamp")
    )
    assert "retiró su oposición" in str(entry.changes) and entry.actor_id == as_admin.user.pk
