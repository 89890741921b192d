"""The session summary's link in a real browser (Debian's Chromium through Playwright), phone
sized: the patient opens the summary their therapist approved and sent, reads it, and asks not to
receive more; the therapist's next send is refused."""

import re

import pytest

from accounts.models import OutgoingEmail
from ai_reports.models import PatientSummary
from ai_reports.services import ai_settings_set, summaries
from ai_reports.tests.test_patient_summaries import _session
from patients.tests.factories import patient_for
from sessai.errors import Conflict
from sessai.tests.browser import assert_accessible, last_document_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_reads_the_summary_on_a_phone_and_stops_the_next_ones(phone, therapist_member):
    ai_settings_set(practice=therapist_member.practice, patient_summaries=True)
    patient = patient_for(therapist_member, name="Ignacio Vera", email="ignacio@correo.cl")
    session = _session(therapist_member, patient)
    text = "En esta sesión conversamos sobre el trabajo & el sueño (<6 horas).\n\nAcordamos: caminar 20 minutos al día."
    summary = summaries.summary_write(session=session, membership=therapist_member, content=text)
    summaries.summary_approve(summary=summary, membership=therapist_member)
    summaries.summary_send(summary=summary, membership=therapist_member)
    email = OutgoingEmail.objects.get(template="patient_summary", to="ignacio@correo.cl")

    phone.goto(re.search(r"https?://[^/\s]+(/p/resumen/\S+)", email.text).group(1))
    assert last_document_status(phone) == 200
    main = phone.locator("main")
    assert "Resumen de tu sesión" in main.inner_text()
    paragraphs = main.locator(".summary-text p")
    assert paragraphs.count() == 2
    assert paragraphs.nth(0).inner_text() == "En esta sesión conversamos sobre el trabajo & el sueño (<6 horas)."
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    assert_accessible(phone)
    assert PatientSummary.objects.get().viewed_at is not None

    phone.get_by_role("button", name="No quiero recibir más resúmenes").click()
    assert last_document_status(phone) == 200
    assert phone.get_by_role("status").inner_text() == "Listo: no te enviaremos más resúmenes por correo."
    assert_accessible(phone)
    patient.refresh_from_db()
    assert patient.summaries_opt_out is True

    later = _session(therapist_member, patient, days_ago=0)
    second = summaries.summary_write(session=later, membership=therapist_member, content="Otro resumen.")
    summaries.summary_approve(summary=second, membership=therapist_member)
    with pytest.raises(Conflict):
        summaries.summary_send(summary=second, membership=therapist_member)

    phone.get_by_role("button", name="Volver a recibir resúmenes").click()
    patient.refresh_from_db()
    assert patient.summaries_opt_out is False
    assert OutgoingEmail.objects.filter(template="patient_summary").count() == 1
