"""The questionnaire link in a real browser (Debian's Chromium through Playwright), phone-sized:
a patient answers the PHQ-9 and the GAD-7 from the emailed link, one page each, with a risk answer
on item 9, and ends on the crisis lines; the therapist's alert goes out through the worker."""

import re
import threading

import pytest
from django.db import connections

from accounts.models import OutgoingEmail
from patients.tests.factories import patient_for
from scheduling.models import Assessment, QuestionnaireRequest, RiskAlert
from scheduling.services import measurement
from scheduling.tests.test_patient_pages import appointment_at
from sessai.tests.browser import assert_accessible, last_document_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHQ9 = [2, 1, 1, 2, 0, 1, 1, 0, 1]  # 9: mild; item 9 «Varios días»
GAD7 = [1, 1, 1, 1, 0, 0, 1]  # 5: mild


def _choose(phone, answers, option_labels):
    for number, value in enumerate(answers, start=1):
        group = phone.get_by_role("group", name=re.compile(rf"^{number}\."))
        group.get_by_label(option_labels[value], exact=True).check()


def test_a_patient_answers_on_a_phone_and_a_risk_answer_ends_on_the_crisis_lines(phone, therapist_member, run_jobs):
    patient = patient_for(therapist_member, name="Ignacio Vera", email="ignacio@correo.cl")
    session = appointment_at(therapist_member, patient, hours_ahead=20)
    measurement.plan_set(
        patient=patient,
        membership=therapist_member,
        data={"instruments": ["phq9", "gad7"], "frequency": "every_session"},
    )
    assert measurement.send_due_questionnaires(hours=48) == 1
    email = OutgoingEmail.objects.get(template="questionnaire_request", to="ignacio@correo.cl")
    labels = ["Ningún día", "Varios días", "Más de la mitad de los días", "Casi todos los días"]

    phone.goto(re.search(r"https?://[^/\s]+(/p/cuestionario/\S+)", email.text).group(1))
    assert "Cuestionario 1 de 2" in phone.locator("main").inner_text()
    assert_accessible(phone)
    phone.get_by_role("button", name="Siguiente").click()  # nothing chosen: every question says so
    assert last_document_status(phone) == 400
    assert phone.get_by_text("Responde esta pregunta").count() == 9
    assert_accessible(phone)
    _choose(phone, PHQ9[:4], labels)
    phone.reload()  # left half-way: the link comes back to the first questionnaire
    _choose(phone, PHQ9, labels)
    phone.get_by_role("button", name="Siguiente").click()
    assert last_document_status(phone) == 200
    assert "Cuestionario 2 de 2" in phone.locator("main").inner_text()
    _choose(phone, GAD7, labels)
    phone.get_by_role("button", name="Enviar respuestas").click()
    assert last_document_status(phone) == 200
    main = phone.locator("main").inner_text()
    assert "No estás solo(a)" in main and "*4141" in main and "600 360 7777" in main
    assert phone.get_by_role("link", name="Llama al *4141").get_attribute("href") == "tel:*4141"
    assert_accessible(phone)

    request = QuestionnaireRequest.objects.get()
    assert request.completed_at and request.risk
    scores = dict(Assessment.objects.filter(session=session).values_list("type", "score"))
    assert scores == {"phq9": 9, "gad7": 5}
    alert = RiskAlert.objects.get()
    assert (alert.item, alert.answer) == (9, 1)

    def work():
        try:
            run_jobs()
        finally:
            connections.close_all()  # this thread's own connection

    worker = threading.Thread(target=work)  # Playwright holds this thread's event loop
    worker.start()
    worker.join(60)
    assert OutgoingEmail.objects.get(template="risk_alert").sent_at is not None
