"""Patients' data-rights requests: filed with a deadline, extended once, fulfilled as each kind
means (409 with the legal reason where the law forbids it), refused with a reason."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from procrastinate.contrib.django import app

from accounts.models import OutgoingEmail
from patients.models import PrivacyRequest
from patients.services.data_rights import request_file
from patients.tests.factories import patient_for

URL = "/api/privacy/requests"


@pytest.fixture
def patient(therapist_member):
    return patient_for(therapist_member, name="Inés Fuentes")


def file(client, patient, kind, **extra):
    answer = client.post(URL, {"patientId": str(patient.id), "kind": kind, "channel": "correo", **extra}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def test_a_request_gets_its_deadline_and_one_extension(as_admin, patient, settings):
    received = timezone.now() - timedelta(days=2)
    filed = file(as_admin, patient, "access", receivedAt=received.isoformat())
    assert filed["status"] == "open" and filed["channel"] == "correo"
    due = timezone.datetime.fromisoformat(filed["dueAt"])
    assert abs((due - received) - timedelta(days=settings.PRIVACY_RESPONSE_DAYS)) < timedelta(seconds=1)
    extended = as_admin.post(
        f"{URL}/{filed['id']}/extend", {"reason": "Se requiere reunir registros"}, format="json"
    ).json()
    assert extended["status"] == "extended"
    assert timezone.datetime.fromisoformat(extended["dueAt"]) - due == timedelta(days=settings.PRIVACY_RESPONSE_DAYS)
    again = as_admin.post(f"{URL}/{filed['id']}/extend", {"reason": "otra vez"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_extended"


def test_each_kind_is_fulfilled_as_it_means(as_admin, patient):
    access = as_admin.post(f"{URL}/{file(as_admin, patient, 'access')['id']}/fulfill").json()
    assert (
        access["status"] == "fulfilled" and "format=fhir" in access["resolution"] and "Google" in access["resolution"]
    )
    assert "access-log" in access["resolution"]
    portability = as_admin.post(f"{URL}/{file(as_admin, patient, 'portability')['id']}/fulfill").json()
    assert "format=fhir" in portability["resolution"]
    rectification = as_admin.post(f"{URL}/{file(as_admin, patient, 'rectification')['id']}/fulfill").json()
    assert "access-log" in rectification["resolution"]

    opposition = as_admin.post(f"{URL}/{file(as_admin, patient, 'opposition')['id']}/fulfill").json()
    patient.refresh_from_db()
    assert opposition["status"] == "fulfilled" and patient.ai_processing is False


def test_blocking_holds_from_filing_to_closing(as_admin, patient):
    blocking = file(as_admin, patient, "blocking")
    patient.refresh_from_db()
    assert patient.processing_blocked is True
    assert as_admin.get(f"/api/patients/{patient.id}").json()["processingBlocked"] is True
    refused = as_admin.post(f"{URL}/{blocking['id']}/refuse", {"reason": "No corresponde"}, format="json").json()
    patient.refresh_from_db()
    assert (
        refused["status"] == "refused"
        and refused["resolution"] == "No corresponde"
        and patient.processing_blocked is False
    )
    closed = as_admin.post(f"{URL}/{blocking['id']}/fulfill")
    assert closed.status_code == 409 and closed.json()["code"] == "invalid_state"


def test_a_blocked_patient_gets_no_email(as_admin, as_therapist, patient):
    patient.email = "ines@correo.cl"
    patient.save()
    file(as_admin, patient, "blocking")
    sent = as_therapist.post(f"/api/patients/{patient.id}/consents", {"kind": "treatment"}, format="json")
    assert sent.status_code == 409 and sent.json()["code"] == "processing_blocked"  # nothing is emailed while blocked
    assert not OutgoingEmail.objects.filter(to="ines@correo.cl").exists()
    in_person = as_therapist.post(
        f"/api/patients/{patient.id}/consents", {"kind": "treatment", "inPerson": True}, format="json"
    )
    assert in_person.status_code == 201 and in_person.json()["link"]  # at the practice, face to face, it still can
    assert not OutgoingEmail.objects.filter(to="ines@correo.cl").exists()


def test_suppression_is_refused_during_the_retention_period(as_admin, patient, settings):
    patient.last_session_date = date.today() - timedelta(days=365)
    patient.save()
    answer = as_admin.post(f"{URL}/{file(as_admin, patient, 'suppression')['id']}/fulfill")
    assert answer.status_code == 409 and answer.json()["code"] == "retention_period"
    assert "15 años" in answer.json()["message"] and "Decreto 41" in answer.json()["message"]


def test_rules(
    api,
    as_therapist,
    as_assistant,
    as_other_admin,
    as_admin,
    patient,
    other_admin_member,
    django_assert_max_num_queries,
):
    assert api.get(URL).status_code == 401
    assert as_therapist.get(URL).status_code == 403 and as_assistant.post(URL, {}, format="json").status_code == 403
    bad = as_admin.post(URL, {"patientId": str(patient.id), "kind": "olvido"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["errors"] and bad.json()["message"]
    foreign_patient = patient_for(other_admin_member)
    other = as_admin.post(URL, {"patientId": str(foreign_patient.id), "kind": "access"}, format="json")
    assert other.status_code == 400 and "patientId" in other.json()["errors"]
    filed = file(as_admin, patient, "access")
    assert as_other_admin.get(f"{URL}/{filed['id']}").status_code == 404
    assert as_other_admin.post(f"{URL}/{filed['id']}/fulfill").status_code == 404
    no_reason = as_admin.post(f"{URL}/{filed['id']}/refuse", {"reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    with django_assert_max_num_queries(10):
        as_admin.get(URL)
    for _ in range(20):
        file(as_admin, patient, "access")
    with django_assert_max_num_queries(10):
        listed = as_admin.get(URL, {"status": "open", "patientId": str(patient.id)})
    assert listed.json()["pagination"]["total"] == 21


def test_admins_are_reminded_once_a_day_of_requests_falling_due(as_admin, patient, admin_member, run_jobs):
    soon = file(as_admin, patient, "access")
    later = file(as_admin, patient, "opposition")
    PrivacyRequest.objects.filter(pk=soon["id"]).update(due_at=timezone.now() + timedelta(days=2))
    task = app.tasks["patients.tasks.privacy_requests_due"]
    task.defer(timestamp=0)
    run_jobs()
    sent = OutgoingEmail.objects.filter(template="privacy_requests_due")
    assert [e.to for e in sent] == [admin_member.user.email]
    assert "vence pronto" in sent[0].subject
    task.defer(timestamp=1)
    run_jobs()  # the same day: nothing new
    assert OutgoingEmail.objects.filter(template="privacy_requests_due").count() == 1
    assert PrivacyRequest.objects.get(pk=later["id"]).reminded_on is None


def test_the_console_lists_overdue_requests_across_practices(operator, patient, admin_member):
    client = operator
    overdue = request_file(membership=admin_member, patient=patient, kind="access")
    PrivacyRequest.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(days=1))
    request_file(membership=admin_member, patient=patient, kind="portability")
    page = client.get("/admin/patients/privacyrequest/?plazo=vencidas")
    assert page.status_code == 200 and page.content.decode().count('class="field-kind"') == 1
