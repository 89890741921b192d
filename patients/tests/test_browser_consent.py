"""Signing and revoking a consent in a real browser (Debian's Chromium through Playwright),
phone-sized, in Chilean Spanish, from the link in the patient's email."""

import re

import pytest

from accounts.models import OutgoingEmail
from ai_reports.models import RecordingConsent
from patients.models import Consent
from patients.tests.factories import patient_for
from sessai.tests.browser import assert_accessible, last_document_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_then_revoke_the_recording_consent(phone, as_therapist, therapist_member):
    patient = patient_for(therapist_member, name="Tomás Fuentes", email="tomas@correo.cl", rut="123456785")
    sent = as_therapist.post(f"/api/patients/{patient.id}/consents", {"kind": "recording"}, format="json")
    assert sent.status_code == 201 and sent.json()["link"] is None
    email = OutgoingEmail.objects.get(template="consent_request", to="tomas@correo.cl")
    phone.goto(re.search(r"https?://[^/\s]+(/p/consentimiento/\S+)", email.text).group(1))
    assert_accessible(phone)
    phone.get_by_label("Nombre completo").fill("Tomás Fuentes")
    phone.get_by_label("Leí el texto y doy mi consentimiento").check()
    phone.get_by_role("button", name="Firmar").click()
    assert last_document_status(phone) == 200
    assert "Tu firma quedó registrada" in phone.locator("main").inner_text()
    assert_accessible(phone)
    consent = Consent.objects.get()
    assert consent.signed_name == "Tomás Fuentes" and consent.signed_user_agent and consent.signed_ip
    assert RecordingConsent.objects.filter(patient=patient, withdrawn_at__isnull=True).exists()

    phone.get_by_role("button", name="Revocar mi consentimiento").click()
    assert last_document_status(phone) == 200
    assert "Revocaste este consentimiento" in phone.locator("main").inner_text()
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert not RecordingConsent.objects.filter(patient=patient, withdrawn_at__isnull=True).exists()
