"""Consent forms: sent from the API as a link, signed and revoked by the patient on their page;
a signed recording consent is the one the AI scribe checks."""

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


def test_send_sign_and_revoke_a_recording_consent(as_therapist, patient, therapist_member):
    sent = send(as_therapist, patient)
    assert (sent["kind"], sent["status"], sent["emailed"], sent["textVersion"]) == ("recording", "sent", True, "grabacion-2026-12")
    email = OutgoingEmail.objects.get(template="consent_request")
    assert email.to == "tomas@correo.cl" and sent["link"] in email.text
    path = page_path(sent["link"])

    page = Client().get(path)
    html = page.content.decode()
    assert page.status_code == 200 and violations(html) == [], violations(html)
    assert "Tomás Fuentes" in html and "grabar el audio" in html and "Firmar" in html

    signed = Client().post(path, {"name": " Tomás  Fuentes ", "rut": "12.345.678-5", "accepted": "on"},
                           HTTP_USER_AGENT="Mozilla/5.0 (iPhone)", REMOTE_ADDR="190.100.1.2")
    assert signed.status_code == 200 and "Tu firma quedó registrada" in signed.content.decode()
    consent = Consent.objects.get()
    assert (consent.signed_name, consent.signed_rut, consent.signed_ip, consent.signed_user_agent) == (
        "Tomás Fuentes", "123456785", "190.100.1.2", "Mozilla/5.0 (iPhone)")
    scribe = RecordingConsent.objects.get(patient=patient, withdrawn_at__isnull=True)
    assert scribe.signed_consent_id == consent.id and scribe.registered_by_id == therapist_member.user_id
    assert as_therapist.get(f"/api/patients/{patient.id}/recording-consent").json()["active"] is True

    listed = as_therapist.get(f"/api/patients/{patient.id}/consents").json()
    assert [(c["status"], c["signedName"], c["signedIp"]) for c in listed] == [("signed", "Tomás Fuentes", "190.100.1.2")]

    again = Client().post(path, {"name": "Otro", "rut": "12.345.678-5", "accepted": "on"})  # double submit: already signed
    assert again.status_code == 409 and Consent.objects.get().signed_name == "Tomás Fuentes"

    revoked = Client().post(path, {"action": "revoke"})
    assert revoked.status_code == 200 and "Revocaste" in revoked.content.decode()
    assert not RecordingConsent.objects.filter(patient=patient, withdrawn_at__isnull=True).exists()
    assert as_therapist.get(f"/api/patients/{patient.id}/consents").json()[0]["status"] == "revoked"


def test_signing_needs_name_the_patients_rut_and_the_box(as_therapist, patient):
    path = page_path(send(as_therapist, patient, "treatment")["link"])
    nameless = Client().post(path, {"name": "", "rut": "12.345.678-5", "accepted": "on"})
    assert nameless.status_code == 400 and "Este campo es requerido" in nameless.content.decode()
    response = Client().post(path, {"name": "Tomás Fuentes", "rut": "11.111.111-1", "accepted": ""})
    html = response.content.decode()
    assert response.status_code == 400 and "El RUT no coincide" in html and "Marca la casilla" in html
    assert violations(html) == []
    assert Consent.objects.get().signed_at is None


def test_expired_and_tampered_links(as_therapist, patient, settings):
    sent = send(as_therapist, patient)
    Consent.objects.update(sent_at=timezone.now() - timedelta(days=settings.CONSENT_LINK_DAYS + 1))
    path = page_path(sent["link"])
    expired = Client().get(path)
    assert expired.status_code == 200 and "expiró" in expired.content.decode() and "Firmar" not in expired.content.decode()
    refused = Client().post(path, {"name": "Tomás Fuentes", "rut": "12.345.678-5", "accepted": "on"})
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


def test_a_patient_without_email_gets_the_link_in_the_answer(as_therapist, therapist_member):
    patient = patient_for(therapist_member, name="Sin Correo", email="")
    sent = send(as_therapist, patient, "treatment")
    assert sent["emailed"] is False and re.match(r"^http://localhost:3001/p/consentimiento/\S+$", sent["link"])
    assert not OutgoingEmail.objects.filter(template="consent_request").exists()
