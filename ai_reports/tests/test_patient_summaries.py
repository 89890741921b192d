"""A session's summary for the patient (issue 35, part 7): the AI drafts it (pseudonymised and
charged) or the therapist writes it, the therapist edits and approves it, and only then is it sent
by link; the patient reads it on their phone and can stop receiving them. Opposition to AI
processing, blocked processing and the patient's own choice are honoured; every change and read is
audited; it is in the export and goes with an erasure."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from accounts.models import OutgoingEmail
from accounts.tests.factories import MembershipFactory
from ai_reports.models import PatientSummary
from ai_reports.services import ai_settings_set
from ai_reports.tests.test_api_ai import gemini  # noqa: F401 (fixture)
from billing import services as billing
from billing.choices import EntryKind
from billing.models import CreditLedgerEntry
from patients.export import patient_export
from patients.services.retention import anonymize
from patients.tests.factories import patient_for
from scheduling.models import Session

pytestmark = pytest.mark.django_db
NOTE = (
    "<p>Camila Rojas habló de la discusión con su jefe Pedro Lagos. Practicamos respiración diafragmática. "
    "Próxima sesión: revisar el registro de pensamientos.</p>"
)
AI_TEXT = (
    "En esta sesión conversamos sobre la discusión con [PERSONA_1] y practicamos la respiración.\n\n"
    "Acordamos que llevarás un registro de pensamientos, [PACIENTE]."
)


@pytest.fixture
def enabled(practice):
    billing.subscription_start(practice=practice)  # the trial grant: 500 credits
    ai_settings_set(practice=practice, patient_summaries=True)
    return practice


@pytest.fixture
def patient(therapist_member):
    return patient_for(therapist_member, name="Camila Rojas", email="camila@correo.cl")


def _session(therapist_member, patient, *, days_ago=1, status="completed", content=NOTE):
    starts = (timezone.now() - timedelta(days=days_ago)).replace(second=0, microsecond=0)
    return Session.objects.create(
        practice=therapist_member.practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=50),
        status=status,
        content=content,
        goals=["Dormir mejor"],
    )


@pytest.fixture
def session(therapist_member, patient):
    return _session(therapist_member, patient)


def url(session, step=""):
    return f"/api/sessions/{session.pk}/patient-summary" + (f"/{step}" if step else "")


def _written(client, session, text="En esta sesión conversamos.\n\nAcordamos caminar."):
    answer = client.put(url(session), {"content": text}, format="json")
    assert answer.status_code == 200, answer.json()
    return answer


def _link_path(email: OutgoingEmail) -> str:
    return re.search(r"https?://[^/\s]+(/p/resumen/\S+)", email.text).group(1)


# -- The whole path ---------------------------------------------------------------------------------


def test_drafted_by_the_ai_edited_approved_sent_and_read_by_the_patient(as_therapist, enabled, session, gemini):  # noqa: F811
    empty = as_therapist.get(url(session))
    assert empty.status_code == 200
    assert empty.json() | {"sessionId": None, "patientId": None} == {
        "id": None,
        "sessionId": None,
        "patientId": None,
        "status": None,
        "content": "",
        "aiModel": "",
        "creditsUsed": 0.0,
        "editedByName": None,
        "approvedByName": None,
        "approvedAt": None,
        "sentAt": None,
        "sentTo": "",
        "viewedAt": None,
        "updatedAt": None,
        "enabled": True,
        "patientOptedOut": False,
        "patientHasEmail": True,
    }

    gemini.reply(
        lambda prompt: AI_TEXT.replace("[PERSONA_1]", re.search(r"su jefe (\[PERSONA_\d+\])", prompt).group(1)),
        prompt_tokens=800,
        output_tokens=120,
    )
    balance = billing.balance(enabled)
    drafted = as_therapist.post(url(session, "draft"))
    assert drafted.status_code == 200, drafted.json()
    body = drafted.json()
    assert body["status"] == "draft" and body["aiModel"] and body["creditsUsed"] > 0
    assert "discusión con Pedro Lagos" in body["content"] and body["content"].endswith("Camila Rojas.")
    sent_to_ai = gemini.requests[0]["body"]["contents"][0]["parts"][0]["text"]
    assert "Camila" not in sent_to_ai and "Pedro" not in sent_to_ai and "respiración diafragmática" in sent_to_ai
    usage = CreditLedgerEntry.objects.get(practice=enabled, kind=EntryKind.USAGE)
    assert usage.operation == "patient_summary"
    assert billing.balance(enabled) == balance - Decimal(str(body["creditsUsed"]))

    edited = _written(
        as_therapist, session, "En esta sesión <b>conversamos</b> sobre tu trabajo.\n\nAcordamos: registro."
    )
    assert edited.json()["content"] == "En esta sesión conversamos sobre tu trabajo.\n\nAcordamos: registro."
    assert edited.json()["aiModel"] == body["aiModel"] and edited.json()["status"] == "draft"

    approved = as_therapist.post(url(session, "approve"))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["approvedByName"] and approved.json()["approvedAt"]
    assert not OutgoingEmail.objects.filter(template="patient_summary").exists()

    sent = as_therapist.post(url(session, "send"))
    assert sent.status_code == 200, sent.json()
    assert sent.json()["status"] == "sent" and sent.json()["sentTo"] == "camila@correo.cl"
    email = OutgoingEmail.objects.get(template="patient_summary", to="camila@correo.cl")
    assert "conversamos sobre tu trabajo" not in email.text + email.html + email.subject  # no clinical text
    assert "resumen" in email.subject

    page = Client().get(_link_path(email))
    assert page.status_code == 200
    html = page.content.decode()
    assert "conversamos sobre tu trabajo" in html and "Acordamos: registro." in html
    assert "<b>" not in html.split("summary-text")[1].split("</article>")[0]
    read = as_therapist.get(url(session)).json()
    assert read["viewedAt"] is not None and read["status"] == "sent"

    summary = PatientSummary.objects.get()
    entries = LogEntry.objects.filter(object_pk=str(summary.pk))
    assert entries.filter(action=LogEntry.Action.ACCESS).count() >= 2  # the patient's read and the therapist's
    changes = entries.exclude(action=LogEntry.Action.ACCESS)
    assert changes.count() >= 4  # drafted, edited, approved, sent (viewed)
    assert all("conversamos" not in str(e.changes) for e in changes)  # the text is masked in the log


def test_the_offline_draft_without_a_key_is_free_and_says_it_is_a_draft(as_therapist, enabled, session, settings):
    settings.GEMINI_API_KEY = ""
    drafted = as_therapist.post(url(session, "draft"))
    assert drafted.status_code == 200, drafted.json()
    content = drafted.json()["content"]
    assert content.startswith("En esta sesión trabajamos en: Dormir mejor.")
    assert "Acordamos: Próxima sesión: revisar el registro de pensamientos." in content
    assert "Borrador sin modelo de IA" in content and drafted.json()["creditsUsed"] == 0


# -- Nothing reaches the patient without approval ------------------------------------------------------


def test_a_draft_is_never_sent_and_an_edit_after_approval_needs_approval_again(as_therapist, enabled, session):
    _written(as_therapist, session)
    refused = as_therapist.post(url(session, "send"))
    assert refused.status_code == 409 and refused.json()["code"] == "not_approved"
    assert "aprobación" in refused.json()["message"]
    assert as_therapist.post(url(session, "approve")).json()["status"] == "approved"
    again = _written(as_therapist, session, "Otro texto.")
    assert again.json()["status"] == "draft" and again.json()["approvedAt"] is None
    assert as_therapist.post(url(session, "send")).json()["code"] == "not_approved"
    assert not OutgoingEmail.objects.filter(template="patient_summary").exists()
    as_therapist.post(url(session, "approve"))
    assert as_therapist.post(url(session, "send")).status_code == 200
    for step, method in [("", "put"), ("draft", "post"), ("approve", "post"), ("send", "post")]:
        answer = getattr(as_therapist, method)(url(session, step), {"content": "Cambio"}, format="json")
        assert answer.status_code == 409 and answer.json()["code"] == "already_sent", step
    assert PatientSummary.objects.get().content == "Otro texto."
    assert OutgoingEmail.objects.filter(template="patient_summary").count() == 1


def test_approving_nothing_is_refused(as_therapist, enabled, session):
    answer = as_therapist.post(url(session, "approve"))
    assert answer.status_code == 404 and answer.json()["message"]


# -- What the patient asked for ----------------------------------------------------------------------


def test_an_opposed_patient_gets_no_ai_draft_but_a_summary_by_hand(as_therapist, enabled, session, patient, gemini):  # noqa: F811
    patient.ai_processing = False
    patient.save()
    ledger = CreditLedgerEntry.objects.count()
    refused = as_therapist.post(url(session, "draft"))
    assert refused.status_code == 409 and refused.json()["code"] == "ai_processing_opposed"
    assert gemini.requests == [] and CreditLedgerEntry.objects.count() == ledger
    assert not PatientSummary.objects.exists()
    _written(as_therapist, session)
    as_therapist.post(url(session, "approve"))
    assert as_therapist.post(url(session, "send")).status_code == 200


def test_the_patient_stops_the_summaries_on_the_page_and_the_next_is_not_sent(
    as_therapist, enabled, session, patient, therapist_member
):
    _written(as_therapist, session)
    as_therapist.post(url(session, "approve"))
    as_therapist.post(url(session, "send"))
    path = _link_path(OutgoingEmail.objects.get(template="patient_summary"))
    patient_page = Client()
    stop = patient_page.post(path, {"action": "opt_out"})
    assert stop.status_code == 302
    after = patient_page.get(stop["Location"]).content.decode()
    assert "no te enviaremos más resúmenes" in after and "Volver a recibir resúmenes" in after
    patient.refresh_from_db()
    assert patient.summaries_opt_out is True
    assert LogEntry.objects.filter(object_pk=str(patient.pk), changes__has_key="summaries_opt_out").exists()

    later = _session(therapist_member, patient, days_ago=0)
    _written(as_therapist, later)
    assert as_therapist.get(url(later)).json()["patientOptedOut"] is True
    as_therapist.post(url(later, "approve"))
    refused = as_therapist.post(url(later, "send"))
    assert refused.status_code == 409 and refused.json()["code"] == "summaries_opt_out"
    assert OutgoingEmail.objects.filter(template="patient_summary").count() == 1

    patient_page.post(path, {"action": "opt_in"})
    patient.refresh_from_db()
    assert patient.summaries_opt_out is False
    assert as_therapist.post(url(later, "send")).status_code == 200


@pytest.mark.parametrize(
    ("change", "code"),
    [({"processing_blocked": True}, "processing_blocked"), ({"email": ""}, "no_email")],
)
def test_blocked_processing_or_no_email_sends_nothing(as_therapist, enabled, session, patient, change, code):
    _written(as_therapist, session)
    as_therapist.post(url(session, "approve"))
    for field, value in change.items():
        setattr(patient, field, value)
    patient.save()
    refused = as_therapist.post(url(session, "send"))
    assert refused.status_code == 409 and refused.json()["code"] == code and refused.json()["message"]
    assert PatientSummary.objects.get().status == "approved"
    assert not OutgoingEmail.objects.filter(template="patient_summary").exists()


# -- The practice's switch, the session, bad input ---------------------------------------------------


def test_off_unless_the_practice_turns_it_on(as_therapist, as_admin, practice, session):
    off = as_therapist.put(url(session), {"content": "Hola"}, format="json")
    assert off.status_code == 409 and off.json()["code"] == "summaries_disabled"
    assert as_therapist.get(url(session)).json()["enabled"] is False
    assert as_admin.get("/api/admin/ai/settings").json()["patientSummaries"] is False
    assert as_admin.post("/api/admin/ai/settings", {"patientSummaries": True}, format="json").status_code == 200
    assert as_admin.get("/api/admin/ai/settings").json()["patientSummaries"] is True
    assert as_therapist.put(url(session), {"content": "Hola"}, format="json").status_code == 200


def test_only_after_the_session_happened(as_therapist, enabled, therapist_member, patient):
    upcoming = _session(therapist_member, patient, days_ago=-2, status="scheduled", content="")
    answer = as_therapist.put(url(upcoming), {"content": "Hola"}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "session_not_completed"
    no_note = _session(therapist_member, patient, days_ago=3, content="<p> </p>")
    answer = as_therapist.post(url(no_note, "draft"))
    assert answer.status_code == 400 and answer.json()["code"] == "no_note"
    assert not PatientSummary.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"content": ""}, {"content": "   "}, {"content": "<p></p>"}, {"content": 5}, {"content": "x" * 4001}],
)
def test_bad_content_is_400_in_spanish_and_nothing_is_saved(as_therapist, enabled, session, body):
    answer = as_therapist.put(url(session), body, format="json")
    assert answer.status_code == 400 and "content" in answer.json()["errors"], answer.json()
    assert answer.json()["message"] and not PatientSummary.objects.exists()


def test_a_token_a_clinical_role_and_a_session_of_ones_own(
    api, as_assistant, as_other_admin, client_for, enabled, practice, session
):
    assert api.get(url(session)).status_code == 401
    assert api.post(url(session, "send")).status_code == 401
    assert as_assistant.get(url(session)).status_code == 403
    assert as_assistant.put(url(session), {"content": "Hola"}, format="json").status_code == 403
    for step in ("draft", "approve", "send"):
        assert as_assistant.post(url(session, step)).status_code == 403
        assert as_other_admin.post(url(session, step)).status_code == 404
    assert as_other_admin.get(url(session)).status_code == 404
    assert as_other_admin.put(url(session), {"content": "Hola"}, format="json").status_code == 404
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)  # not in the care team
    assert client_for(colleague).get(url(session)).status_code == 404
    assert not PatientSummary.objects.exists()


# -- The link ---------------------------------------------------------------------------------------


def test_a_bad_an_expired_or_an_unsent_link_says_so(as_therapist, enabled, session, settings):
    assert Client().get("/p/resumen/no-es-un-token").status_code == 400
    _written(as_therapist, session)
    as_therapist.post(url(session, "approve"))
    as_therapist.post(url(session, "send"))
    path = _link_path(OutgoingEmail.objects.get(template="patient_summary"))
    settings.PATIENT_SUMMARY_LINK_DAYS = -1
    expired = Client().get(path)
    assert expired.status_code == 400 and "expiró" in expired.content.decode()
    assert PatientSummary.objects.get().viewed_at is None


# -- The record: export, erasure, merge ----------------------------------------------------------------


def test_in_the_export_gone_with_an_erasure_and_moved_by_a_merge(as_therapist, as_admin, enabled, session, patient):
    _written(as_therapist, session, "Texto para el paciente.")
    exported = patient_export(patient=patient, profile={})["summaries"]
    assert [(s["sessionId"], s["status"], s["content"]) for s in exported] == [
        (str(session.pk), "draft", "Texto para el paciente.")
    ]
    kept = patient_for(MembershipFactory(practice=enabled, role=Role.THERAPIST), name="Camila Rojas B.")
    merged = as_admin.post(f"/api/patients/{patient.pk}/merge", {"targetId": str(kept.pk)}, format="json")
    assert merged.status_code == 200, merged.json()
    assert PatientSummary.objects.get().patient_id == kept.pk
    kept.refresh_from_db()
    assert anonymize(kept)
    assert not PatientSummary.objects.exists()


def test_credits_are_decimal_in_the_row(as_therapist, enabled, session, gemini):  # noqa: F811
    gemini.reply(AI_TEXT)
    as_therapist.post(url(session, "draft"))
    summary = PatientSummary.objects.get()
    assert isinstance(summary.credits, Decimal) and summary.credits > 0


def test_options_describes_every_summary_route(as_therapist, enabled, session):
    """DRF's OPTIONS asks the view for a serializer (the bare schemathesis CLI found it 500)."""
    for step in ("", "draft", "approve", "send"):
        answer = as_therapist.options(url(session, step))
        assert answer.status_code == 200 and answer.json()["name"], step
