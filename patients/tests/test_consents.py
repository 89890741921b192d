"""Consent forms: sent from the API to the patient's email (the link never reaches staff), or
opened for signing in person with a witness; signed and revoked by the patient on their page; a
signed recording consent is the one the AI scribe checks."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import OutgoingEmail
from ai_reports.models import RecordingConsent
from patients.models import Consent
from patients.tests.factories import patient_for
from sessai.tests.a11y import violations


@pytest.fixture
def patient(therapist_member):
    return patient_for(therapist_member, name="Tomás Fuentes", email="tomas@correo.cl", rut="123456785")


def send(client, patient, kind="recording"):
    response = client.post(f"/api/patients/{patient.id}/consents", {"kind": kind}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def page_path(link: str) -> str:
    return link.removeprefix("http://localhost:3001")


def emailed_path(to: str) -> str:
    """The signing link as the patient's mailbox received it (the API's answer carries none)."""
    email = OutgoingEmail.objects.filter(template="consent_request", to=to).latest("created_at")
    return re.search(r"http://localhost:3001(/p/consentimiento/\S+)", email.text).group(1)


def test_send_sign_and_revoke_a_recording_consent(as_therapist, patient, therapist_member):
    sent = send(as_therapist, patient)
    assert (sent["kind"], sent["status"], sent["emailed"], sent["textVersion"]) == (
        "recording",
        "sent",
        True,
        "grabacion-2026-12",
    )
    assert sent["link"] is None and (sent["inPerson"], sent["witnessedByName"]) == (False, None)  # staff never hold it
    path = emailed_path("tomas@correo.cl")

    page = Client().get(path)
    html = page.content.decode()
    assert page.status_code == 200 and violations(html) == [], violations(html)
    assert "Tomás Fuentes" in html and "grabar el audio" in html and "Firmar" in html

    assert 'name="rut"' not in html  # a RUT that staff can read proves nothing: the emailed link does
    signed = Client().post(
        path,
        {"name": " Tomás  Fuentes ", "accepted": "on"},
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
        REMOTE_ADDR="190.100.1.2",
    )
    assert signed.status_code == 200 and "Tu firma quedó registrada" in signed.content.decode()
    consent = Consent.objects.get()
    assert (consent.signed_name, consent.signed_ip, consent.signed_user_agent, consent.in_person) == (
        "Tomás Fuentes",
        "190.100.1.2",
        "Mozilla/5.0 (iPhone)",
        False,
    )
    scribe = RecordingConsent.objects.get(patient=patient, withdrawn_at__isnull=True)
    assert scribe.signed_consent_id == consent.id and scribe.registered_by_id == therapist_member.user_id
    assert as_therapist.get(f"/api/patients/{patient.id}/recording-consent").json()["active"] is True

    listed = as_therapist.get(f"/api/patients/{patient.id}/consents").json()
    assert [(c["status"], c["signedName"], c["signedIp"]) for c in listed] == [
        ("signed", "Tomás Fuentes", "190.100.1.2")
    ]

    again = Client().post(path, {"name": "Otro", "accepted": "on"})  # double submit: already signed
    assert again.status_code == 409 and Consent.objects.get().signed_name == "Tomás Fuentes"

    revoked = Client().post(path, {"action": "revoke"})
    assert revoked.status_code == 200 and "Revocaste" in revoked.content.decode()
    assert not RecordingConsent.objects.filter(patient=patient, withdrawn_at__isnull=True).exists()
    assert as_therapist.get(f"/api/patients/{patient.id}/consents").json()[0]["status"] == "revoked"


def test_signing_needs_a_name_and_the_box(as_therapist, patient):
    send(as_therapist, patient, "treatment")
    path = emailed_path("tomas@correo.cl")
    nameless = Client().post(path, {"name": "", "accepted": "on"})
    assert nameless.status_code == 400 and "Este campo es requerido" in nameless.content.decode()
    response = Client().post(path, {"name": "Tomás Fuentes", "accepted": ""})
    html = response.content.decode()
    assert response.status_code == 400 and "Marca la casilla" in html
    assert violations(html) == []
    assert Consent.objects.get().signed_at is None


def test_expired_and_tampered_links(as_therapist, patient, settings):
    send(as_therapist, patient)
    Consent.objects.update(sent_at=timezone.now() - timedelta(days=settings.CONSENT_LINK_DAYS + 1))
    path = emailed_path("tomas@correo.cl")
    expired = Client().get(path)
    assert (
        expired.status_code == 200 and "expiró" in expired.content.decode() and "Firmar" not in expired.content.decode()
    )
    refused = Client().post(path, {"name": "Tomás Fuentes", "accepted": "on"})
    assert refused.status_code == 409 and Consent.objects.get().signed_at is None
    tampered = Client().get(path[:-4] + "abcd")
    assert tampered.status_code == 400 and "no es válido" in tampered.content.decode()


def test_consent_api_rules(api, as_assistant, as_other_admin, patient, django_assert_max_num_queries, therapist_member):
    url = f"/api/patients/{patient.id}/consents"
    assert api.get(url).status_code == 401
    assert api.post(url, {"kind": "recording"}, format="json").status_code == 401
    assert as_other_admin.get(url).status_code == 404
    assert as_other_admin.post(url, {"kind": "recording"}, format="json").status_code == 404
    bad = as_assistant.post(url, {"kind": "otro"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["errors"] and bad.json()["message"]
    assert Consent.objects.count() == 0
    send(as_assistant, patient, "treatment")  # the front desk sends paperwork too
    with django_assert_max_num_queries(8):
        as_assistant.get(url)
    for _ in range(10):
        send(as_assistant, patient, "treatment")
    with django_assert_max_num_queries(8):
        assert len(as_assistant.get(url).json()) == 11


def test_the_assistant_cannot_ask_for_a_recording_consent(as_assistant, patient):
    refused = as_assistant.post(f"/api/patients/{patient.id}/consents", {"kind": "recording"}, format="json")
    assert (
        refused.status_code == 403
        and refused.json()["message"] == "Solo un profesional tratante puede pedir el consentimiento de grabación"
    )
    assert not Consent.objects.exists() and not OutgoingEmail.objects.filter(template="consent_request").exists()


def test_a_patient_without_email_signs_in_person_with_a_witness(as_therapist, therapist_member):
    patient = patient_for(therapist_member, name="Sin Correo", email="")
    url = f"/api/patients/{patient.id}/consents"
    refused = as_therapist.post(url, {"kind": "treatment"}, format="json")
    assert (
        refused.status_code == 400
        and "inPerson" in refused.json()["errors"]
        and "en persona" in refused.json()["message"]
    )
    assert not Consent.objects.exists()

    sent = as_therapist.post(url, {"kind": "treatment", "inPerson": True}, format="json").json()
    assert sent["emailed"] is False and re.match(r"^http://localhost:3001/p/consentimiento/\S+$", sent["link"])
    assert (sent["inPerson"], sent["witnessedByName"]) == (True, therapist_member.user.name)
    assert not OutgoingEmail.objects.filter(template="consent_request").exists()
    signed = Client().post(page_path(sent["link"]), {"name": "Sin Correo", "accepted": "on"})
    assert signed.status_code == 200
    consent = Consent.objects.get()
    assert consent.signed_at and consent.in_person and consent.witnessed_by_id == therapist_member.user_id
    listed = as_therapist.get(url).json()
    assert [(c["inPerson"], c["witnessedByName"]) for c in listed] == [(True, therapist_member.user.name)]
