"""Broken object-level authorization, tried on every object route the schema has, with real
objects of every kind, as three callers who must not get at them:

- another practice's admin: the answer is the same as for an id that does not exist (404, or the
  400 a body check gives before any lookup), never a success;
- a therapist of the same practice outside the patient's care team, and the assistant: whatever
  the status (the calendar shows them names and times), no clinical value is ever in the body.

The routes come from the OpenAPI schema, and each path parameter is filled by the kind of object
its collection names (`/patients/{id}` a patient, `/sessions/{id}/assessments/{assessment_id}`
that session's assessment): a new route under a known collection is covered with no edit here, and
a new collection fails the test until it is given an object."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.choices import Role
from accounts.models import DeviceSession
from accounts.tests.factories import MembershipFactory, login_tokens
from ai_reports.choices import RecordingStatus
from ai_reports.models import AIReport, PatientSummary, Recording, RecordingConsent, RecordingUpload, Transcript
from patients.models import Consent, PrivacyRequest
from patients.tests.factories import patient_for
from scheduling.api.serializers import ATTACHMENT_SALT
from scheduling.feeds import feed_rotate
from scheduling.models import Addendum, Assessment, Attachment, BlockedTime, RiskAlert, Session, WaitlistEntry

MARK = "MARCA-CLINICA-7f3a"  # in every clinical text of the victim practice; must never come back


def _operations():
    spec = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in spec["paths"].items():
        if "{" not in path:
            continue
        for method, operation in item.items():
            query = [p for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")]
            multipart = "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
            yield pytest.param(method, path, [p["name"] for p in query], multipart, id=f"{method.upper()} {path}")


@pytest.fixture
def victim(practice, therapist_member, settings):
    """Practice A with one of everything, clinical texts carrying MARK."""
    settings.RATELIMIT_ENABLE = False
    patient = patient_for(therapist_member, name="Paciente Víctima", notes=f"notas {MARK}")
    now = timezone.now()
    record = Session.objects.create(
        practice=practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2) + timedelta(hours=1),
        status="completed",
        content=f"<p>{MARK}</p>",
        notes=MARK,
        signed_at=now,
        signed_by=therapist_member.user,
    )
    addendum = Addendum.objects.create(session=record, author=therapist_member.user, content=f"<p>{MARK}</p>")
    assessment = Assessment.objects.create(session=record, patient=patient, type="mood", scale=5, notes=MARK)
    attachment = Attachment(
        session=record, file_name=f"{MARK}.pdf", file_type="application/pdf", size=4, uploaded_by=therapist_member.user
    )
    attachment.file.save("x.pdf", ContentFile(f"%PDF {MARK}".encode()), save=False)
    attachment.save()
    report = AIReport.objects.create(
        practice=practice,
        patient=patient,
        author=therapist_member.user,
        range_type="custom",
        model="demo",
        content=f"# Informe\n{MARK}",
    )
    recording = Recording.objects.create(
        practice=practice,
        session=record,
        uploaded_by=therapist_member.user,
        content_type="audio/webm",
        size=0,
        sha256="x",
        duration_seconds=Decimal("60"),
        status=RecordingStatus.DONE,
        progress=100,
    )
    Transcript.objects.create(
        session=record,
        practice=practice,
        recording=recording,
        model="demo",
        segments=[{"speaker": "patient", "start": 0.0, "end": 5.0, "text": MARK}],
    )
    upload = RecordingUpload.objects.create(
        practice=practice, session=record, created_by=therapist_member.user, size=10
    )
    RecordingConsent.objects.create(
        practice=practice, patient=patient, text_version="v1", registered_by=therapist_member.user
    )
    consent = Consent.objects.create(
        practice=practice,
        patient=patient,
        kind="treatment",
        text_version="v1",
        text=f"texto {MARK}",
        sent_by=therapist_member.user,
    )
    blocked = BlockedTime.objects.create(
        practice=practice,
        therapist=therapist_member.user,
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=1),
        reason="Reunión",
    )  # not clinical: colleagues see it
    waiting = WaitlistEntry.objects.create(
        practice=practice,
        therapist=therapist_member.user,
        name="Espera",
        email="espera@correo.cl",
        date_from=now.date(),
        date_to=now.date(),
    )
    alert = RiskAlert.objects.create(
        session=record, patient=patient, therapist=therapist_member.user, instrument="phq9", item=9, answer=1
    )
    PatientSummary.objects.create(
        session=record, patient=patient, content=f"Resumen {MARK}", edited_by=therapist_member.user
    )
    login_tokens(therapist_member.user)
    objects = {
        "risk-alerts": alert.pk,
        "patients": patient.pk,
        "sessions": record.pk,
        "assessments": assessment.pk,
        "attachments": attachment.pk,
        "reports": report.pk,
        "recordings": recording.pk,
        "recording-uploads": upload.pk,
        "tus-uploads": upload.pk,  # /tus-uploads/{upload_id}: the same upload through tus
        "segments": 0,
        "blocked-times": blocked.pk,
        "team": therapist_member.user_id,
        "waitlist": waiting.pk,
        "sessions-auth": DeviceSession.objects.filter(user=therapist_member.user).latest("created_at").pk,
        "calendar": therapist_member.user_id,
        "requests": PrivacyRequest.objects.create(
            practice=practice,
            patient=patient,
            kind="access",
            received_at=now,
            due_at=now + timedelta(days=30),
            created_by=therapist_member.user,
        ).pk,
    }
    assert addendum and consent
    return objects


def _collection(path: str, name: str) -> str:
    """The collection a path parameter belongs to: the segment before it."""
    before = path.split("{" + name + "}")[0].rstrip("/").split("/")[-1]
    if before == "sessions" and path.startswith("/api/auth/"):
        return "sessions-auth"
    return before


def _fill(path: str, objects: dict, *, foreign: bool) -> str:
    def value(match):
        name = match.group(1)
        collection = _collection(path, name) if not path.startswith("/api/calendar/") else "calendar"
        assert collection in objects, (
            f"{path}: no test object for the collection {collection!r}: add one to the fixture"
        )
        return str(uuid.uuid4()) if foreign and collection != "segments" else str(objects[collection])

    return re.sub(r"{(\w+)}", value, path)


def _tokens(membership) -> dict:
    """What a caller can hold for the routes whose token is the credential: a link to another
    attachment (validly signed for them) and their own calendar feed."""
    return {
        "/api/attachments/{id}/download": signing.dumps(
            {"a": str(uuid.uuid4()), "u": str(membership.user_id), "s": ""}, salt=ATTACHMENT_SALT
        ),
        "/api/calendar/{therapist_id}.ics": feed_rotate(membership=membership),
    }


def _call(client, method, url, query, multipart):
    data = {"file": ContentFile(b"x", name="x.bin")} if multipart else {}
    return getattr(client, method)(
        url + (f"?{query}" if query else ""), data, format="multipart" if multipart else "json"
    )


@pytest.mark.parametrize(("method", "path", "required_query", "multipart"), list(_operations()))
def test_no_caller_gets_at_another_practices_or_patients_objects(
    method, path, required_query, multipart, victim, other_admin_member, practice, client_for
):
    objects = victim
    url = _fill(path, objects, foreign=False)

    # another practice's admin: exactly the answer for an object that does not exist
    tokens = _tokens(other_admin_member)
    query = "&".join(f"{name}={tokens.get(path, 'x')}" for name in required_query)
    outsider = client_for(other_admin_member)
    answer = _call(outsider, method, url, query, multipart)
    missing = _call(outsider, method, _fill(path, objects, foreign=True), query, multipart)
    assert answer.status_code == missing.status_code and not 200 <= answer.status_code < 300, (
        answer.status_code,
        missing.status_code,
    )
    assert MARK not in answer.content.decode(errors="replace")

    # the same practice, without the right to the clinical record
    for role in (Role.THERAPIST, Role.ASSISTANT):
        member = MembershipFactory(practice=practice, role=role)
        tokens = _tokens(member)
        query = "&".join(f"{name}={tokens.get(path, 'x')}" for name in required_query)
        response = _call(client_for(member), method, url, query, multipart)
        assert response.status_code < 500, (role, response.status_code)
        assert MARK not in response.content.decode(errors="replace"), (role, response.status_code)
