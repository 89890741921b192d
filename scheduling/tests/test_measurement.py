"""Measurement-based care (issue 35): a patient's plan, the questionnaire link sent by the worker
before a session, answered page by page (resumable, single use, expiring), scored into the
session's assessments, and a risk answer that alerts the therapist through the worker."""

import re
import signal
import time

import psycopg
import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from accounts.models import OutgoingEmail
from accounts.tests.factories import MembershipFactory
from patients.export import patient_export
from patients.services.retention import anonymize
from patients.tests.factories import PatientFactory, patient_for
from scheduling import instruments, outcomes
from scheduling.models import Assessment, MeasurementPlan, QuestionnaireRequest, RiskAlert
from scheduling.services import measurement
from scheduling.tasks import questionnaires_send, risk_alert_notify
from scheduling.tests.test_patient_pages import appointment_at
from sessai import scope
from sessai.db import url_for
from sessai.tests.workers import jobs, retry_stalled, wait_for, worker

PHQ9_CALM = [1, 0, 1, 1, 0, 0, 1, 0, 0]  # 4: minimal, item 9 at 0
PHQ9_RISK = [2, 2, 1, 2, 1, 2, 1, 1, 1]  # 13: moderate, item 9 at 1
GAD7 = [1, 1, 2, 1, 0, 1, 1]  # 7: mild


@pytest.fixture
def patient(therapist_member):
    return patient_for(therapist_member, name="Camila Rojas", email="camila@correo.cl")


def _plan(patient, therapist_member, **data):
    return measurement.plan_set(
        patient=patient,
        membership=therapist_member,
        data={"instruments": ["phq9", "gad7"], "frequency": "every_session", **data},
    )


def _link_path(email: OutgoingEmail) -> str:
    return re.search(r"https?://[^/\s]+(/p/cuestionario/\S+)", email.text).group(1)


def _answer(client, path, code, values):
    data = {"instrument": code, **{f"item_{n}": str(v) for n, v in enumerate(values, start=1)}}
    return client.post(path, data)


# -- The plan through the API ---------------------------------------------------------------------


def test_the_plan_is_read_set_and_replaced(as_therapist, patient):
    url = f"/api/patients/{patient.id}/measurement-plan"
    empty = as_therapist.get(url)
    assert empty.status_code == 200 and empty.json()["active"] is False and empty.json()["instruments"] == []
    put = as_therapist.put(
        url, {"instruments": ["phq9", "gad7"], "frequency": "every_n", "everySessions": 3}, format="json"
    )
    assert put.status_code == 200, put.json()
    assert put.json() | {"updatedAt": None} == {
        "patientId": str(patient.id),
        "active": True,
        "instruments": ["phq9", "gad7"],
        "frequency": "every_n",
        "everySessions": 3,
        "updatedAt": None,
    }
    again = as_therapist.put(url, {"instruments": ["phq9"], "frequency": "once"}, format="json")
    assert again.json()["everySessions"] is None and as_therapist.get(url).json()["instruments"] == ["phq9"]
    assert MeasurementPlan.objects.count() == 1
    assert LogEntry.objects.filter(object_pk=str(MeasurementPlan.objects.get().pk)).count() == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"instruments": [], "frequency": "once"}, "instruments"),
        ({"instruments": ["bdi"], "frequency": "once"}, "instruments"),
        ({"instruments": ["phq9"], "frequency": "every_n"}, "everySessions"),
        ({"instruments": ["phq9"], "frequency": "every_n", "everySessions": 1}, "everySessions"),
        ({"instruments": ["phq9"], "frequency": "weekly"}, "frequency"),
    ],
)
def test_a_bad_plan_is_400_in_spanish_and_nothing_is_saved(as_therapist, patient, body, field):
    answer = as_therapist.put(f"/api/patients/{patient.id}/measurement-plan", body, format="json")
    assert answer.status_code == 400 and any(k.split(".")[0] == field for k in answer.json()["errors"]), answer.json()
    assert answer.json()["message"] and not MeasurementPlan.objects.exists()


def test_the_plan_needs_a_token_a_clinical_role_and_a_patient_of_ones_own(
    api, as_assistant, as_other_admin, patient, therapist_member, practice, client_for
):
    url = f"/api/patients/{patient.id}/measurement-plan"
    body = {"instruments": ["phq9"], "frequency": "once"}
    assert api.get(url).status_code == 401
    assert as_assistant.put(url, body, format="json").status_code == 403
    assert as_other_admin.get(url).status_code == 404
    assert as_other_admin.put(url, body, format="json").status_code == 404
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)  # not in the care team
    assert client_for(colleague).get(url).status_code == 404
    assert not MeasurementPlan.objects.exists()


# -- Sending ----------------------------------------------------------------------------------------


def test_due_sessions_get_the_link_once_and_plans_decide_which(therapist_member, patient, run_jobs):
    _plan(patient, therapist_member)
    soon = appointment_at(therapist_member, patient, hours_ahead=20)
    later = appointment_at(therapist_member, patient, hours_ahead=24 * 5)  # outside the 48 hours
    other = patient_for(therapist_member, email="sin-plan@correo.cl")
    appointment_at(therapist_member, other, hours_ahead=10)  # no plan: nothing
    questionnaires_send.defer(timestamp=0)
    run_jobs()
    assert list(QuestionnaireRequest.objects.values_list("session_id", flat=True)) == [soon.pk]
    email = OutgoingEmail.objects.get(template="questionnaire_request")
    assert email.to == "camila@correo.cl" and "/p/cuestionario/" in email.text or email.sent_at
    questionnaires_send.defer(timestamp=1)
    run_jobs()
    assert QuestionnaireRequest.objects.count() == 1  # once per session
    assert measurement.send_due_questionnaires(hours=24 * 6) == 1  # the later one, when it comes near
    assert QuestionnaireRequest.objects.filter(session=later).exists()


def test_every_n_and_once_plans(therapist_member, patient):
    _plan(patient, therapist_member, frequency="every_n", every_sessions=2)
    sessions = [appointment_at(therapist_member, patient, hours_ahead=2 + 3 * n) for n in range(4)]
    sent = [measurement.send_due_questionnaires(hours=2 + 3 * n) for n in range(4)]
    asked = set(QuestionnaireRequest.objects.values_list("session_id", flat=True))
    assert sent == [1, 0, 1, 0] and asked == {sessions[0].pk, sessions[2].pk}

    once = patient_for(therapist_member, email="una-vez@correo.cl")
    _plan(once, therapist_member, frequency="once")
    first, second = (
        appointment_at(therapist_member, once, hours_ahead=30),
        appointment_at(therapist_member, once, hours_ahead=40),
    )
    measurement.send_due_questionnaires(hours=48)
    assert list(QuestionnaireRequest.objects.filter(patient=once).values_list("session_id", flat=True)) == [first.pk]
    assert second.pk not in asked


# -- The patient's page ----------------------------------------------------------------------------


def test_the_patient_answers_page_by_page_resumes_and_the_link_is_spent(therapist_member, patient):
    session = appointment_at(therapist_member, patient, hours_ahead=20)
    request = measurement.questionnaire_send(session=session, instruments_=["phq9", "gad7"])
    path = _link_path(OutgoingEmail.objects.get(template="questionnaire_request"))
    client = Client()
    first = client.get(path)
    assert first.status_code == 200 and first["Cache-Control"] == "no-store"
    body = first.content.decode()
    assert instruments.instrument("phq9").items[8] in body and "Cuestionario 1 de 2" in body
    incomplete = client.post(path, {"instrument": "phq9", "item_1": "1"})
    assert incomplete.status_code == 400 and "Responde todas las preguntas" in incomplete.content.decode()
    hostile = client.post(path, {"instrument": "phq9", "item_1": "²", "item_2": "٣", "item_3": "9" * 5000})
    assert hostile.status_code == 400 and "Responde esta pregunta" in hostile.content.decode()
    assert QuestionnaireRequest.objects.get().answers == {}
    assert _answer(client, path, "phq9", PHQ9_CALM).status_code == 302
    resumed = Client().get(path)  # another day, another browser: where it was left
    assert (
        "Cuestionario 2 de 2" in resumed.content.decode()
        and instruments.instrument("gad7").items[0] in resumed.content.decode()
    )
    done = _answer(client, path, "gad7", GAD7)
    assert done.status_code == 302
    thanks = client.get(path).content.decode()
    assert "Tus respuestas llegaron a tu terapeuta" in thanks and "*4141" not in thanks
    request.refresh_from_db()
    assert request.completed_at and not request.risk
    scored = {a.type: (a.score, a.severity, a.items) for a in Assessment.objects.filter(session=session)}
    assert scored == {"phq9": (4, "minimal", PHQ9_CALM), "gad7": (7, "mild", GAD7)}
    assert _answer(client, path, "gad7", GAD7).status_code == 200  # spent: the thanks again, nothing saved
    assert Assessment.objects.filter(session=session).count() == 2
    assert not RiskAlert.objects.exists()


def test_a_bad_or_expired_link_says_so(therapist_member, patient):
    assert Client().get("/p/cuestionario/no-es-un-token").status_code == 400
    session = appointment_at(therapist_member, patient, hours_ahead=-2)  # already over
    measurement.questionnaire_send(session=session, instruments_=["phq9"])
    path = _link_path(OutgoingEmail.objects.get(template="questionnaire_request"))
    expired = Client().get(path)
    assert expired.status_code == 400 and "expiró" in expired.content.decode()
    assert _answer(Client(), path, "phq9", PHQ9_CALM).status_code == 400
    assert not Assessment.objects.exists()


def test_a_risk_answer_shows_the_crisis_lines_and_alerts_the_therapist_through_the_worker(
    therapist_member, patient, run_jobs, client_for
):
    session = appointment_at(therapist_member, patient, hours_ahead=20)
    measurement.questionnaire_send(session=session, instruments_=["phq9"])
    path = _link_path(OutgoingEmail.objects.get(template="questionnaire_request"))
    client = Client()
    assert _answer(client, path, "phq9", PHQ9_RISK).status_code == 302
    crisis = client.get(path).content.decode()
    assert "600 360 7777" in crisis and "*4141" in crisis and 'href="tel:*4141"' in crisis
    alert = RiskAlert.objects.get()
    assert (alert.instrument, alert.item, alert.answer, alert.therapist_id) == ("phq9", 9, 1, therapist_member.user_id)
    run_jobs()  # the questionnaire's email and the alert's
    email = OutgoingEmail.objects.get(template="risk_alert")
    assert email.to == therapist_member.user.email and email.sent_at is not None
    assert "Camila" not in email.subject  # no name, no answers in an email

    therapist = client_for(therapist_member)
    listed = therapist.get("/api/risk-alerts").json()
    assert [a["id"] for a in listed["data"]] == [str(alert.pk)] and listed["data"][0]["patientName"] == "Camila Rojas"
    done = therapist.post(f"/api/risk-alerts/{alert.pk}/acknowledge")
    assert done.status_code == 200 and done.json()["acknowledgedById"] == str(therapist_member.user_id)
    assert therapist.post(f"/api/risk-alerts/{alert.pk}/acknowledge").status_code == 409
    assert therapist.get("/api/risk-alerts").json()["data"] == []
    assert len(therapist.get("/api/risk-alerts?status=acknowledged").json()["data"]) == 1
    assert LogEntry.objects.filter(object_pk=str(alert.pk), changes__icontains="acknowledged_at").exists()


def test_risk_alerts_need_a_token_a_clinical_role_and_stay_in_the_care_team_and_practice(
    api, as_assistant, as_other_admin, as_admin, therapist_member, patient, practice, client_for
):
    session = appointment_at(therapist_member, patient, hours_ahead=20)
    alert = RiskAlert.objects.create(
        session=session, patient=patient, therapist=therapist_member.user, instrument="phq9", item=9, answer=2
    )
    assert api.get("/api/risk-alerts").status_code == 401
    assert as_assistant.get("/api/risk-alerts").status_code == 403
    assert as_other_admin.get("/api/risk-alerts").json()["data"] == []
    assert as_other_admin.post(f"/api/risk-alerts/{alert.pk}/acknowledge").status_code == 404
    colleague = client_for(MembershipFactory(practice=practice, role=Role.THERAPIST))
    assert colleague.get("/api/risk-alerts").json()["data"] == []
    assert colleague.post(f"/api/risk-alerts/{alert.pk}/acknowledge").status_code == 404
    assert len(as_admin.get("/api/risk-alerts").json()["data"]) == 1
    bad = as_admin.get("/api/risk-alerts?status=todas")
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_the_alert_list_costs_the_same_queries_for_many_rows(
    as_admin, therapist_member, practice, django_assert_max_num_queries
):
    def add(count):
        for _ in range(count):
            someone = PatientFactory(practice=practice)
            session = appointment_at(therapist_member, someone, hours_ahead=20)
            RiskAlert.objects.create(
                session=session, patient=someone, therapist=therapist_member.user, instrument="phq9", item=9, answer=1
            )

    add(2)
    with django_assert_max_num_queries(8) as few:
        assert len(as_admin.get("/api/risk-alerts").json()["data"]) == 2
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(as_admin.get("/api/risk-alerts").json()["data"]) == 25  # a page


def test_the_answers_are_in_the_patients_export_and_go_with_an_erasure(therapist_member, patient):
    session = appointment_at(therapist_member, patient, hours_ahead=20)
    request = measurement.questionnaire_send(session=session, instruments_=["phq9"])
    measurement.answer_save(request=request, code="phq9", answers=dict(enumerate(PHQ9_CALM, start=1)))
    exported = patient_export(patient=patient, profile={})["questionnaires"]
    assert [(q["sessionId"], q["answers"], q["risk"]) for q in exported] == [
        (str(session.pk), {"phq9": PHQ9_CALM}, False)
    ]
    assert anonymize(patient)
    assert QuestionnaireRequest.objects.get().answers == {}
    assert Assessment.objects.get().score == 4  # the score stays, as a typed assessment's does


# -- Change that counts --------------------------------------------------------------------------


def _measured(therapist_member, patient, scores, code="phq9", days_ago=(60, 30, 5)):
    for score, ago in zip(scores, days_ago, strict=False):
        session = appointment_at(therapist_member, patient, hours_ahead=-24 * ago)
        Assessment.objects.create(session=session, patient=patient, type=code, items=[], score=score, severity="")


@pytest.mark.parametrize(
    "baseline, latest, expected",
    [(16, 8, "recovered"), (22, 14, "improved"), (12, 9, "unchanged"), (6, 12, "deteriorated"), (9, 4, "unchanged")],
)
def test_the_reliable_change_index_classifies_with_the_published_norms(baseline, latest, expected):
    rci, change_class = outcomes.classify("phq9", baseline, latest)
    assert change_class == expected
    assert rci == pytest.approx((latest - baseline) / (5.57 * (2 * 0.11) ** 0.5))
    assert (
        round(outcomes.NORMS["phq9"].reliable_change, 1) == 5.1
        and round(outcomes.NORMS["gad7"].reliable_change, 1) == 3.1
    )


def test_a_patients_outcomes(as_therapist, therapist_member, patient, api, as_assistant, as_other_admin):
    _measured(therapist_member, patient, [18, 12, 7])
    _measured(therapist_member, patient, [9], code="gad7")
    url = f"/api/patients/{patient.id}/outcomes"
    body = as_therapist.get(url).json()
    phq9 = next(i for i in body["instruments"] if i["instrument"] == "phq9")
    assert (phq9["baseline"]["score"], phq9["latest"]["score"], phq9["change"], phq9["measures"]) == (18, 7, -11, 3)
    assert phq9["changeClass"] == "recovered" and phq9["rci"] == pytest.approx(-4.21, abs=0.01)
    assert [p["score"] for p in phq9["series"]] == [18, 12, 7] and phq9["cutoff"] == 10
    gad7 = next(i for i in body["instruments"] if i["instrument"] == "gad7")
    assert gad7["changeClass"] is None and gad7["rci"] is None  # one measure: no change yet
    assert api.get(url).status_code == 401
    assert as_assistant.get(url).status_code == 403
    assert as_other_admin.get(url).status_code == 404


def test_the_practices_outcomes_match_the_patients_and_hide_small_shares(
    as_admin, as_therapist, therapist_member, practice, api, as_other_admin, django_assert_max_num_queries
):
    other = MembershipFactory(practice=practice, role=Role.THERAPIST)
    changes = [(16, 8), (20, 12), (22, 14), (12, 10), (6, 13), (15, 14)]  # recovered, improved ×2, unchanged, …
    for baseline, latest in changes:
        _measured(therapist_member, patient_for(therapist_member), [baseline, latest], days_ago=(60, 10))
    _measured(other, patient_for(other), [18, 6], days_ago=(60, 10))
    _measured(therapist_member, patient_for(therapist_member), [18, 6], days_ago=(400, 200))  # before the period
    _measured(therapist_member, patient_for(therapist_member), [11], days_ago=(10,))  # measured once
    with django_assert_max_num_queries(6):
        body = as_admin.get("/api/outcomes").json()
    expected = [outcomes.classify("phq9", b, latest)[1] for b, latest in changes]
    assert body["overall"]["measured"] == 7
    mine = next(t for t in body["byTherapist"] if t["therapistId"] == str(therapist_member.user_id))
    assert {name: tally["count"] for name, tally in mine["classes"].items()} == {
        name: expected.count(name) for name in outcomes.CLASSES
    }
    assert mine["classes"]["recovered"]["share"] == pytest.approx(expected.count("recovered") / 6, abs=0.001)
    theirs = next(t for t in body["byTherapist"] if t["therapistId"] == str(other.user_id))
    assert theirs["measured"] == 1 and theirs["classes"]["recovered"] == {"count": 1, "share": None}
    assert "Paciente" not in str(body) and all(set(t) >= {"therapistName"} for t in body["byTherapist"])
    bad = as_admin.get("/api/outcomes?start=2026-05-01&end=2026-01-01")
    assert bad.status_code == 400 and "end" in bad.json()["errors"]
    assert as_admin.get("/api/outcomes?instrument=bdi").status_code == 400
    assert api.get("/api/outcomes").status_code == 401
    assert as_therapist.get("/api/outcomes").status_code == 403
    assert as_other_admin.get("/api/outcomes").json()["overall"]["measured"] == 0


def test_the_fhir_export_has_the_questionnaire_responses(as_admin, therapist_member, patient):
    session = appointment_at(therapist_member, patient, hours_ahead=20)
    request = measurement.questionnaire_send(session=session, instruments_=["phq9", "gad7"])
    for code, values in (("phq9", PHQ9_CALM), ("gad7", GAD7)):
        request = measurement.answer_save(request=request, code=code, answers=dict(enumerate(values, start=1)))
    bundle = as_admin.get(f"/api/patients/{patient.id}/export?format=fhir").json()
    responses = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    by_panel = {r["questionnaire"]: [i["answer"][0]["valueInteger"] for i in r["item"]] for r in responses}
    assert by_panel == {"http://loinc.org/q/44249-1": PHQ9_CALM, "http://loinc.org/q/69737-5": GAD7}
    assert all(r["status"] == "completed" and r["encounter"]["reference"].endswith(str(session.pk)) for r in responses)
    observations = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert sorted(o["valueInteger"] for o in observations) == [4, 7]


def test_the_dashboard_counts_the_patients_with_an_alert_to_review(
    as_therapist, as_assistant, therapist_member, patient, client_for
):
    session = appointment_at(therapist_member, patient, hours_ahead=20)
    for _ in range(2):  # two alerts, one patient
        RiskAlert.objects.create(
            session=session, patient=patient, therapist=therapist_member.user, instrument="phq9", item=9, answer=1
        )
    assert as_therapist.get("/api/dashboard").json()["patientsAtRisk"] == 1
    assert as_assistant.get("/api/dashboard").json()["patientsAtRisk"] is None
    RiskAlert.objects.update(acknowledged_at=timezone.now())
    assert as_therapist.get("/api/dashboard").json()["patientsAtRisk"] == 0


def test_a_merge_moves_the_questionnaires_and_alerts_and_keeps_one_plan(as_admin, therapist_member, patient):
    duplicate = patient_for(therapist_member, name="Camila R.", email="camila.r@correo.cl")
    kept_plan = _plan(patient, therapist_member, frequency="once")
    _plan(duplicate, therapist_member)
    session = appointment_at(therapist_member, duplicate, hours_ahead=20)
    request = measurement.questionnaire_send(session=session, instruments_=["phq9"])
    measurement.answer_save(request=request, code="phq9", answers=dict(enumerate(PHQ9_RISK, start=1)))
    merged = as_admin.post(f"/api/patients/{duplicate.pk}/merge", {"targetId": str(patient.pk)}, format="json")
    assert merged.status_code == 200, merged.json()
    assert QuestionnaireRequest.objects.get().patient_id == patient.pk
    assert RiskAlert.objects.get().patient_id == patient.pk
    assert list(MeasurementPlan.objects.values_list("pk", flat=True)) == [kept_plan.pk]


def test_a_questionnaire_answered_before_its_session_counts_when_it_was_answered(as_admin, therapist_member, patient):
    _measured(therapist_member, patient, [16], days_ago=(40,))
    upcoming = appointment_at(therapist_member, patient, hours_ahead=30)  # answered today, for a session tomorrow
    request = measurement.questionnaire_send(session=upcoming, instruments_=["phq9"])
    measurement.answer_save(request=request, code="phq9", answers=dict(enumerate(PHQ9_CALM, start=1)))
    overall = as_admin.get("/api/outcomes").json()["overall"]  # the period ends today
    assert overall["measured"] == 1 and overall["classes"]["recovered"]["count"] == 1
    latest = as_admin.get(f"/api/patients/{patient.id}/outcomes").json()["instruments"][0]["latest"]
    assert latest["date"] == timezone.localdate().isoformat() and latest["score"] == 4


def test_the_patient_carries_the_flag_while_an_alert_waits(as_therapist, as_assistant, therapist_member, patient):
    url = f"/api/patients/{patient.id}"
    assert as_therapist.get(url).json()["openRiskAlert"] is False
    alert = RiskAlert.objects.create(
        session=appointment_at(therapist_member, patient, hours_ahead=20), patient=patient, therapist=therapist_member.user,
        instrument="phq9", item=9, answer=1,
    )  # fmt: skip
    assert as_therapist.get(url).json()["openRiskAlert"] is True
    listed = next(p for p in as_therapist.get("/api/patients").json()["data"] if p["id"] == str(patient.id))
    assert listed["openRiskAlert"] is True
    assert "openRiskAlert" not in as_assistant.get(url).json()  # no clinical flag for an assistant
    as_therapist.post(f"/api/risk-alerts/{alert.pk}/acknowledge")
    assert as_therapist.get(url).json()["openRiskAlert"] is False


def test_the_alert_email_goes_once_when_its_worker_is_killed_mid_job(therapist_member, patient, run_jobs, settings):
    """A real worker process takes the alert's job and blocks on the alert row (held here by
    another connection, as a slow step would); it is killed; the every-minute tick puts the job
    back and another run finishes it: one email, however often the job runs."""
    settings.JOBS_STALLED_AFTER_SECONDS = 1
    alert = RiskAlert.objects.create(
        session=appointment_at(therapist_member, patient, hours_ahead=20), patient=patient,
        therapist=therapist_member.user, instrument="phq9", item=9, answer=2,
    )  # fmt: skip
    with psycopg.connect(url_for(connection.settings_dict)) as holder:
        holder.execute(f"SET ROLE {scope.PLATFORM_ROLE}")
        holder.execute("SELECT 1 FROM scheduling_riskalert WHERE id = %s FOR UPDATE", [alert.pk])
        risk_alert_notify.defer(alert_id=str(alert.pk))
        process = worker("--queues", "default")
        try:
            wait_for(lambda: [j["status"] for j in jobs(task_name="scheduling.tasks.risk_alert_notify")] == ["doing"])
            process.send_signal(signal.SIGKILL)  # mid-job: waiting for the row, nothing sent
            process.wait(10)
        finally:
            process.kill()
        holder.rollback()
    assert not OutgoingEmail.objects.filter(template="risk_alert").exists()
    time.sleep(settings.JOBS_STALLED_AFTER_SECONDS + 1)
    retry_stalled(run_jobs)
    assert OutgoingEmail.objects.filter(template="risk_alert").count() == 1
    risk_alert_notify.defer(alert_id=str(alert.pk))  # run again on purpose: nothing more goes out
    run_jobs()
    assert OutgoingEmail.objects.filter(template="risk_alert").count() == 1
    alert.refresh_from_db()
    assert alert.notified_at is not None
