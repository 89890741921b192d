"""Sessions as clinical records: the record flow of the UI, sanitizing, signing and addenda,
assessments (PHQ-9 / GAD-7 scoring), attachments on disk and S3, audit."""

import io
import os
import time
from datetime import datetime
from unittest import mock
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import requests
from auditlog.models import LogEntry
from django.test import TestCase
from django.utils import timezone

from accounts.choices import Role
from accounts.models import DeviceSession
from accounts.tests.factories import MembershipFactory
from patients.models import Patient
from patients.tests.factories import patient_for
from scheduling import services
from scheduling.models import Attachment, Session

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(therapist_member):
    return patient_for(therapist_member, name="María José Pérez")


def record(client, patient, **overrides):
    payload = {
        "patientId": str(patient.id),
        "sessionDate": "2026-03-02",
        "sessionTime": "10:00",
        "sessionContent": "<h3>Temas Tratados</h3><ul><li>Ansiedad laboral</li></ul>",
        **overrides,
    }
    return client.post("/api/sessions", payload, format="json")


# --- Recording ------------------------------------------------------------------------------


def test_record_flow_creates_a_completed_session_of_the_caller(as_therapist, patient):
    response = record(as_therapist, patient)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "completed" and body["therapistId"] == str(as_therapist.user.id)
    assert (body["date"], body["startTime"], body["endTime"], body["duration"]) == ("2026-03-02", "10:00", "11:00", 60)
    assert body["content"] == "<h3>Temas Tratados</h3><ul><li>Ansiedad laboral</li></ul>"
    assert body["patientName"] == "María José Pérez" and body["therapistName"] == as_therapist.user.name
    patient.refresh_from_db()
    assert (patient.total_sessions, str(patient.last_session_date), str(patient.first_session_date)) == (
        1,
        "2026-03-02",
        "2026-03-02",
    )
    listed = as_therapist.get(f"/api/patients/{patient.id}").json()
    assert listed["totalSessions"] == 1 and listed["lastSessionDate"] == "2026-03-02"


def test_record_with_canonical_keys(as_therapist, patient):
    response = as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "date": "2026-03-03",
            "startTime": "15:30",
            "endTime": "16:15",
            "content": "Texto plano\ncon salto",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["duration"] == 45
    assert response.json()["content"] == "<p>Texto plano<br>con salto</p>"


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<p onclick="alert(1)">x</p>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<svg onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<<script>script>alert(1)<</script>/script>",
    '<div><object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object></div>',
]


@pytest.mark.parametrize("payload", XSS)
def test_content_is_sanitized(as_therapist, patient, payload):
    response = record(as_therapist, patient, sessionContent=f"<p>Texto</p>{payload}")
    assert response.status_code == 201
    content = response.json()["content"]
    lowered = content.lower()
    for needle in (
        "<script",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "style=",
        "<iframe",
        "<svg",
        "<object",
        "<img",
        "href=",
    ):
        assert needle not in lowered, content
    assert content.startswith("<p>Texto</p>")


@pytest.mark.parametrize("content", ["", "   ", "<p></p>", "<script>alert(1)</script>", "<p><br></p>"])
def test_empty_record_is_400_and_nothing_saved(as_therapist, patient, content):
    response = record(as_therapist, patient, sessionContent=content)
    assert response.status_code == 400
    assert response.json()["message"] == "El contenido del registro no puede estar vacío"
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"patientId": None}, "patientId"),
        ({"sessionDate": "02/03/2026"}, "date"),
        ({"sessionTime": "25:00"}, "startTime"),
        ({"type": "telepatica"}, "type"),
        ({"duration": 0}, "duration"),
        ({"goals": "uno"}, "goals"),
    ],
)
def test_record_bad_input(as_therapist, patient, overrides, field):
    response = record(as_therapist, patient, **overrides)
    assert response.status_code == 400 and field in response.json()["errors"], response.json()


def test_record_for_a_patient_outside_the_care_team_is_400(as_therapist, practice):
    other = patient_for(MembershipFactory(practice=practice, role=Role.THERAPIST))
    response = record(as_therapist, other)
    assert response.status_code == 400 and "patientId" in response.json()["errors"]


def test_assistant_cannot_write_records(as_assistant, patient, therapist_member):
    response = record(as_assistant, patient, therapistId=str(therapist_member.user_id))
    assert response.status_code == 403
    assert not Session.objects.exists()


def test_records_require_token(api, patient):
    assert record(api, patient).status_code == 401


# --- Editing, signing, addenda ---------------------------------------------------------------


def test_edit_sign_and_addenda(as_therapist, patient):
    session_id = record(as_therapist, patient).json()["id"]
    edited = as_therapist.patch(f"/api/sessions/{session_id}", {"content": "Corregido"}, format="json")
    assert edited.status_code == 200 and edited.json()["content"] == "<p>Corregido</p>"
    empty = as_therapist.patch(f"/api/sessions/{session_id}", {"content": "  "}, format="json")
    assert empty.status_code == 400 and empty.json()["message"] == "El contenido del registro no puede estar vacío"

    early = as_therapist.post(f"/api/sessions/{session_id}/addenda", {"content": "antes de firmar"}, format="json")
    assert early.status_code == 409
    signed = as_therapist.post(f"/api/sessions/{session_id}/sign")
    assert (
        signed.status_code == 200
        and signed.json()["signedAt"]
        and signed.json()["signedById"] == str(as_therapist.user.id)
    )
    assert as_therapist.post(f"/api/sessions/{session_id}/sign").status_code == 409
    frozen = as_therapist.patch(f"/api/sessions/{session_id}", {"content": "Cambio tardío"}, format="json")
    assert frozen.status_code == 409 and frozen.json()["code"] == "signed"

    addendum = as_therapist.post(
        f"/api/sessions/{session_id}/addenda", {"content": "<p>Aclaración <script>x</script></p>"}, format="json"
    )
    assert addendum.status_code == 201 and addendum.json()["content"] == "<p>Aclaración </p>"
    detail = as_therapist.get(f"/api/sessions/{session_id}").json()
    assert detail["content"] == "<p>Corregido</p>"
    assert [(a["content"], a["authorName"]) for a in detail["addenda"]] == [
        ("<p>Aclaración </p>", as_therapist.user.name)
    ]


def test_only_completed_records_can_be_signed(as_therapist, patient):
    booked = as_therapist.post(
        "/api/sessions",
        {"patientId": str(patient.id), "date": "2030-01-07", "startTime": "10:00", "allowOutsideAvailability": True},
        format="json",
    ).json()
    assert as_therapist.post(f"/api/sessions/{booked['id']}/sign").status_code == 409


def test_record_actions_on_another_therapists_patient_are_404(as_therapist, practice):
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)
    other = patient_for(colleague)
    session = services.session_create(
        membership=colleague,
        patient=other,
        data={"content": "<p>privado</p>", "starts_at": _dt("2026-03-02 10:00"), "ends_at": _dt("2026-03-02 11:00")},
    )
    for url in (
        f"/api/sessions/{session.id}/sign",
        f"/api/sessions/{session.id}/addenda",
        f"/api/sessions/{session.id}/assessments",
    ):
        assert as_therapist.post(url, {"content": "x", "type": "mood", "scale": 3}, format="json").status_code == 404
    assert as_therapist.get(f"/api/sessions/{session.id}/attachments").status_code == 404
    # The calendar entry is visible, without the record.
    detail = as_therapist.get(f"/api/sessions/{session.id}").json()
    assert detail["patientName"] == other.name and "content" not in detail and "notes" not in detail
    assert as_therapist.patch(f"/api/sessions/{session.id}", {"content": "x"}, format="json").status_code == 403


def test_other_practice_session_is_404(as_admin, other_admin_member):
    other = patient_for(other_admin_member)
    response = record(as_admin, other)
    assert response.status_code == 400
    session = services.session_create(
        membership=other_admin_member,
        patient=other,
        data={"content": "<p>x</p>", "starts_at": _dt("2026-03-02 10:00"), "ends_at": _dt("2026-03-02 11:00")},
    )
    assert as_admin.get(f"/api/sessions/{session.id}").status_code == 404
    assert as_admin.patch(f"/api/sessions/{session.id}", {"title": "x"}, format="json").status_code == 404
    assert as_admin.post(f"/api/sessions/{session.id}/sign").status_code == 404


def _dt(text):
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("America/Santiago"))


# --- History --------------------------------------------------------------------------------


def test_patient_history_newest_first_with_therapist_names(as_therapist, patient, django_assert_max_num_queries):
    for day in range(1, 13):
        record(as_therapist, patient, sessionDate=f"2026-02-{day:02d}", assessments=[{"type": "mood", "scale": 5}])
    # auth, caseload, patient, access audit, count, page, 3 prefetches: the same for 12 rows or 12,000
    with django_assert_max_num_queries(9):
        response = as_therapist.get(f"/api/patients/{patient.id}/sessions", {"limit": 100})
    assert response.status_code == 200
    data = response.json()["data"]
    assert [s["date"] for s in data] == [f"2026-02-{d:02d}" for d in range(12, 0, -1)]
    assert data[0]["therapistName"] == as_therapist.user.name and data[0]["content"]
    assert response.json()["pagination"]["total"] == 12


def test_history_access_rules(as_assistant, as_other_admin, patient, api):
    assert as_assistant.get(f"/api/patients/{patient.id}/sessions").status_code == 403
    assert as_other_admin.get(f"/api/patients/{patient.id}/sessions").status_code == 404
    assert api.get(f"/api/patients/{patient.id}/sessions").status_code == 401


# --- Assessments ----------------------------------------------------------------------------

PHQ9 = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "moderately_severe"),
    (19, "moderately_severe"),
    (20, "severe"),
    (27, "severe"),
]
GAD7 = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "severe"),
    (21, "severe"),
]


def _items(total, count):
    items = [0] * count
    for i in range(total):
        items[i % count] += 1
    return items


@pytest.mark.parametrize("total, band", PHQ9)
def test_phq9_scoring_at_every_band_boundary(as_therapist, patient, total, band):
    session_id = record(as_therapist, patient).json()["id"]
    response = as_therapist.post(
        f"/api/sessions/{session_id}/assessments", {"type": "phq9", "items": _items(total, 9)}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["score"], response.json()["severity"]) == (total, band)


@pytest.mark.parametrize("total, band", GAD7)
def test_gad7_scoring_at_every_band_boundary(as_therapist, patient, total, band):
    session_id = record(as_therapist, patient).json()["id"]
    response = as_therapist.post(
        f"/api/sessions/{session_id}/assessments", {"type": "gad7", "items": _items(total, 7)}, format="json"
    )
    assert (response.json()["score"], response.json()["severity"]) == (total, band)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"type": "phq9", "items": [1] * 8}, "items"),
        ({"type": "gad7", "items": [4] * 7}, "items.0"),
        ({"type": "mood"}, "scale"),
        ({"type": "mood", "scale": 11}, "scale"),
        ({"type": "humor", "scale": 3}, "type"),
    ],
)
def test_assessment_bad_input(as_therapist, patient, payload, field):
    session_id = record(as_therapist, patient).json()["id"]
    response = as_therapist.post(f"/api/sessions/{session_id}/assessments", payload, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.json()


def test_assessment_series_for_charts(as_therapist, patient, as_assistant):
    first = record(
        as_therapist, patient, sessionDate="2026-01-05", assessments=[{"type": "phq9", "items": [2] * 9}]
    ).json()
    record(
        as_therapist,
        patient,
        sessionDate="2026-02-05",
        assessments=[{"type": "phq9", "items": [1] * 9}, {"type": "mood", "scale": 7}],
    )
    series = as_therapist.get(f"/api/patients/{patient.id}/assessments", {"type": "phq9"}).json()["data"]
    assert [(p["date"], p["score"], p["severity"]) for p in series] == [
        ("2026-01-05", 18, "moderately_severe"),
        ("2026-02-05", 9, "mild"),
    ]
    assert series[0]["sessionId"] == first["id"]
    assert len(as_therapist.get(f"/api/patients/{patient.id}/assessments").json()["data"]) == 3
    assert as_therapist.get(f"/api/patients/{patient.id}/assessments", {"type": "x"}).status_code == 400
    assert as_assistant.get(f"/api/patients/{patient.id}/assessments").status_code == 403


@pytest.mark.parametrize(
    "extra", [{}, {"assessments": [{"type": "phq9", "items": [1] * 9}, {"type": "mood", "scale": 6}]}]
)
def test_the_created_answer_is_the_session_as_read_back(as_therapist, patient, extra):
    """The 201 reads back only what a new session can have (its assessments, if the request
    recorded any): the same JSON a GET returns afterwards."""
    response = record(as_therapist, patient, **extra)
    assert response.status_code == 201
    assert len(response.json()["assessments"]) == len(extra.get("assessments", []))
    assert response.json() == as_therapist.get(f"/api/sessions/{response.json()['id']}").json()
    booking = {
        "patientId": str(patient.id),
        "date": "2026-03-03",
        "startTime": "11:00",
        "allowOutsideAvailability": True,
    }
    created = as_therapist.post("/api/sessions", booking, format="json")
    assert (
        created.status_code == 201
        and created.json() == as_therapist.get(f"/api/sessions/{created.json()['id']}").json()
    )


def test_assessment_delete(as_therapist, patient):
    session = record(as_therapist, patient, assessments=[{"type": "mood", "scale": 4}]).json()
    assessment_id = session["assessments"][0]["id"]
    assert as_therapist.delete(f"/api/sessions/{session['id']}/assessments/{assessment_id}").status_code == 204
    assert as_therapist.get(f"/api/sessions/{session['id']}").json()["assessments"] == []


# --- Attachments ----------------------------------------------------------------------------


def _pdf():
    f = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    f.name = "informe.pdf"
    return f


def test_attachment_upload_download_delete_on_disk(as_therapist, patient, api, settings):
    session_id = record(as_therapist, patient).json()["id"]
    upload = as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": _pdf()}, format="multipart")
    assert upload.status_code == 201, upload.json()
    body = upload.json()
    assert body["fileType"] == "application/pdf" and body["fileName"] == "informe.pdf"
    attachment = Attachment.objects.get()
    assert "informe" not in attachment.file.name  # random storage names
    path = attachment.file.path
    download = api.get(body["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert LogEntry.objects.filter(
        object_pk=str(attachment.pk), action=LogEntry.Action.ACCESS, actor=as_therapist.user
    ).exists()
    # A tampered or foreign token gets nothing.
    assert api.get(body["url"].replace("token=", "token=x")).status_code == 404
    listed = as_therapist.get(f"/api/sessions/{session_id}/attachments").json()
    assert [a["id"] for a in listed] == [body["id"]]
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert as_therapist.delete(f"/api/sessions/{session_id}/attachments/{body['id']}").status_code == 204
    assert not os.path.exists(path) and not Attachment.objects.exists()


def test_signed_record_keeps_its_attachments(as_therapist, patient):
    """Signing closes the record: no file is added to it or removed from it afterwards."""
    session_id = record(as_therapist, patient).json()["id"]
    kept = as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": _pdf()}, format="multipart").json()
    assert as_therapist.post(f"/api/sessions/{session_id}/sign").status_code == 200
    added = as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": _pdf()}, format="multipart")
    assert added.status_code == 409 and added.json()["code"] == "signed"
    removed = as_therapist.delete(f"/api/sessions/{session_id}/attachments/{kept['id']}")
    assert removed.status_code == 409 and removed.json()["code"] == "signed"
    attachment = Attachment.objects.get()
    assert str(attachment.pk) == kept["id"] and attachment.file.storage.exists(attachment.file.name)


def test_attachment_link_expires(as_therapist, patient, api):
    session_id = record(as_therapist, patient).json()["id"]
    url = as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": _pdf()}, format="multipart").json()[
        "url"
    ]
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 301):
        assert api.get(url).status_code == 404


def test_attachment_type_comes_from_content_not_name(as_therapist, patient):
    session_id = record(as_therapist, patient).json()["id"]
    fake = io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200)
    fake.name = "informe.pdf"
    response = as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": fake}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"]["file"]
    assert not Attachment.objects.exists()


def test_attachment_too_large_is_413(as_therapist, patient, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    session_id = record(as_therapist, patient).json()["id"]
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * 4096)
    big.name = "grande.pdf"
    response = as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": big}, format="multipart")
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"


def test_assistant_never_sees_attachments(as_assistant, as_therapist, patient):
    session_id = record(as_therapist, patient).json()["id"]
    as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": _pdf()}, format="multipart")
    assert as_assistant.get(f"/api/sessions/{session_id}/attachments").status_code == 403
    detail = as_assistant.get(f"/api/sessions/{session_id}").json()
    for key in ("content", "notes", "goals", "assessments", "attachments", "addenda"):
        assert key not in detail


@pytest.mark.resilience
def test_storage_failure_leaves_no_row(as_therapist, patient):
    session_id = record(as_therapist, patient).json()["id"]
    with mock.patch("django.core.files.storage.FileSystemStorage._save", side_effect=OSError("disk gone")):
        response = as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": _pdf()}, format="multipart")
    assert response.status_code == 503 and response.json()["code"] == "storage_unavailable"
    assert not Attachment.objects.exists()


@pytest.fixture
def s3(settings):
    """A local S3-compatible server (moto in server mode) and storage pointed at it."""
    import boto3  # noqa: PLC0415 (heavy, loaded on first use)
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 (heavy, loaded on first use)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    boto3.client("s3", endpoint_url=endpoint, **credentials).create_bucket(Bucket="sessai-test")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "sessai-test",
                "endpoint_url": endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
    }
    # Django's setting_changed handler resets `default_storage` for the new STORAGES.
    yield boto3.client("s3", endpoint_url=endpoint, **credentials)
    server.stop()


def test_attachment_on_s3(as_therapist, patient, s3):
    session_id = record(as_therapist, patient).json()["id"]
    upload = as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": _pdf()}, format="multipart")
    assert upload.status_code == 201, upload.json()
    key = Attachment.objects.get().file.name
    assert s3.get_object(Bucket="sessai-test", Key=key)["Body"].read().startswith(b"%PDF")
    url = upload.json()["url"]
    query = parse_qs(urlparse(url).query)
    assert "Signature" in query and 290 <= int(query["Expires"][0]) - time.time() <= 305  # short-lived
    assert requests.get(url, timeout=10).content.startswith(b"%PDF")
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert as_therapist.delete(f"/api/sessions/{session_id}/attachments/{upload.json()['id']}").status_code == 204
    assert s3.list_objects_v2(Bucket="sessai-test").get("KeyCount") == 0


# --- Audit ----------------------------------------------------------------------------------


def test_session_changes_and_reads_are_audited(as_therapist, patient):
    session_id = record(as_therapist, patient, sessionContent="<p>Contenido muy privado</p>").json()["id"]
    as_therapist.patch(f"/api/sessions/{session_id}", {"content": "<p>Otro contenido privado</p>"}, format="json")
    as_therapist.get(f"/api/sessions/{session_id}")
    entries = list(LogEntry.objects.filter(object_pk=session_id).order_by("timestamp"))
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.ACCESS]
    assert {e.actor_id for e in entries} == {as_therapist.user.id}
    assert "privado" not in str([e.changes for e in entries]) and "content" in entries[1].changes_dict


def test_note_content_never_reaches_application_logs(as_therapist, patient, caplog):
    caplog.set_level("DEBUG")
    record(as_therapist, patient, sessionContent="<p>Confidencial-XYZ</p>")
    assert "Confidencial-XYZ" not in caplog.text
    assert Patient.objects.get(pk=patient.pk).total_sessions == 1


def test_assessment_series_query_count_is_constant(as_therapist, patient, django_assert_max_num_queries):
    for day in range(1, 16):
        record(
            as_therapist, patient, sessionDate=f"2026-01-{day:02d}", assessments=[{"type": "gad7", "items": [1] * 7}]
        )
    # auth, patient, count, page (session joined): whatever the number of points
    with django_assert_max_num_queries(4):
        response = as_therapist.get(f"/api/patients/{patient.id}/assessments", {"limit": 100})
    assert len(response.json()["data"]) == 15


def test_nothing_clinical_is_cached_on_the_way_out(as_therapist, patient, api, client):
    """`Cache-Control: no-store` on clinical JSON, file downloads and error answers; the iCal feed
    keeps its own short private policy."""
    session_id = record(as_therapist, patient).json()["id"]
    attachment = as_therapist.post(
        f"/api/sessions/{session_id}/attachments", {"file": _pdf()}, format="multipart"
    ).json()
    answers = {
        "patient": as_therapist.get(f"/api/patients/{patient.id}"),
        "history": as_therapist.get(f"/api/patients/{patient.id}/sessions"),
        "record": as_therapist.get(f"/api/sessions/{session_id}"),
        "profile": as_therapist.get("/api/auth/profile"),
        "download": api.get(attachment["url"]),
        "no token": api.get(f"/api/patients/{patient.id}"),
        "too large": api.post("/api/patients", data=b"x", content_type="application/json", CONTENT_LENGTH=str(10**9)),
    }
    for name, answer in answers.items():
        assert answer["Cache-Control"] == "no-store", name
    assert (
        answers["download"].status_code == 200
        and answers["no token"].status_code == 401
        and answers["too large"].status_code == 413
    )
    feed = as_therapist.post("/api/calendar/feed").json()
    assert api.get(feed["url"].split("testserver")[-1])["Cache-Control"] == "private, max-age=300"


def test_a_file_is_named_for_what_it_really_is(as_therapist, patient, api):
    session_id = record(as_therapist, patient).json()["id"]
    png = io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200)
    png.name = "informe.pdf"
    body = as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": png}, format="multipart").json()
    assert body["fileType"] == "image/png" and body["fileName"] == "informe.png"
    download = api.get(body["url"])
    assert download["Content-Type"] == "image/png" and "informe.png" in download["Content-Disposition"]
    pdf = _pdf()
    assert (
        as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": pdf}, format="multipart").json()[
            "fileName"
        ]
        == "informe.pdf"
    )


def test_an_attachment_link_dies_with_its_readers_session(as_therapist, patient, api):
    """A link kept working for its 5 minutes after the reader logged out or was deactivated."""
    session_id = record(as_therapist, patient).json()["id"]
    url = as_therapist.post(f"/api/sessions/{session_id}/attachments", {"file": _pdf()}, format="multipart").json()[
        "url"
    ]
    assert api.get(url).status_code == 200
    as_therapist.membership.is_active = False
    as_therapist.membership.save(update_fields=["is_active"])
    assert api.get(url).status_code == 404
    as_therapist.membership.is_active = True
    as_therapist.membership.save(update_fields=["is_active"])
    assert api.get(url).status_code == 200
    DeviceSession.objects.filter(user=as_therapist.user).update(revoked_at=timezone.now())  # logged out
    assert api.get(url).status_code == 404
