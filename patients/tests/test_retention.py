"""The end of the retention period: `retention_report`, `apply_retention` (dry run, then
`--execute`), suppression requests past retention, and the proof that no identifier of an
anonymized patient remains in any text column of the database."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ai_reports.choices import RecordingStatus
from ai_reports.models import AIReport, Recording, Transcript
from billing.models import CreditLedgerEntry
from patients.models import Patient
from patients.services import consents
from patients.services.retention import ANONYMOUS_NAME
from patients.tests.factories import patient_for
from scheduling.models import Addendum, Assessment, Attachment, EmailCode, Session, WaitlistEntry

NAME, RUT, RUT_SHOWN, EMAIL = "Clotilde Ibáñez Reyes", "123456785", "12.345.678-5", "clotilde.ibanez@correo.cl"
PHONE, OLD_PHONE, STREET, CONTACT = "+56 9 8123 4567", "+56 9 7000 1111", "Pasaje Los Aromos 1234", "Rosendo Ibáñez"
IDENTIFIERS = [NAME, RUT, RUT_SHOWN, EMAIL, PHONE, OLD_PHONE, "981234567", STREET, CONTACT]


def _text_columns():
    with connection.cursor() as cursor:
        cursor.execute("""SELECT table_name, column_name FROM information_schema.columns
                          WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')""")
        return cursor.fetchall()


def _occurrences(values) -> list[tuple]:
    """Every (table, column, value) where one of the values appears, in any text, JSON or array column."""
    found = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            for value in values:
                cursor.execute(f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1', [f"%{value}%"])
                if cursor.fetchone():
                    found.append((table, column, value))
    return found


def _old_record(as_therapist, therapist_member, years=16):
    """A patient with everything a record accumulates, then moved back `years` in time."""
    created = as_therapist.post(
        "/api/patients",
        {
            "name": NAME,
            "rut": RUT_SHOWN,
            "email": EMAIL,
            "phone": OLD_PHONE,
            "birthDate": "1970-03-02",
            "address": {"street": STREET, "city": "Santiago", "region": "RM", "zipCode": ""},
            "emergencyContact": {"name": CONTACT, "phone": "+56 9 5555 0000", "relationship": "Hermano"},
            "notes": "Antecedentes familiares de depresión.",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pid = created.json()["id"]
    assert as_therapist.patch(f"/api/patients/{pid}", {"phone": PHONE}, format="json").status_code == 200
    assert as_therapist.get(f"/api/patients/{pid}").status_code == 200  # an audited read: its entry names the patient
    patient = Patient.objects.get(pk=pid)
    practice, user = patient.practice, therapist_member.user
    then = timezone.now() - timedelta(days=365 * years + 10)
    session = Session.objects.create(
        practice=practice,
        patient=patient,
        therapist=user,
        starts_at=then,
        ends_at=then + timedelta(minutes=50),
        status="completed",
        title=f"Sesión con {NAME}",
        content=f"<p>{NAME} relata insomnio.</p>",
        notes="Nota breve",
        goals=["Dormir mejor"],
        signed_at=then,
        signed_by=user,
    )
    Addendum.objects.create(session=session, author=user, content="<p>Corrección.</p>")
    Assessment.objects.create(
        session=session, patient=patient, type="phq9", items=[1] * 9, score=9, severity="leve", notes="Se nota cansada"
    )
    attachment = Attachment(
        session=session, file_name=f"{NAME}.pdf", file_type="application/pdf", size=8, uploaded_by=user
    )
    attachment.file.save("x.pdf", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()
    report = AIReport.objects.create(
        practice=practice, patient=patient, author=user, range_type="all", model="demo", content=f"# Informe de {NAME}"
    )
    report.pdf.save("r.pdf", ContentFile(b"%PDF-1.4"))
    recording = Recording(
        practice=practice,
        session=session,
        uploaded_by=user,
        content_type="audio/webm",
        size=4,
        sha256="ab",
        duration_seconds=Decimal("60"),
        status=RecordingStatus.DONE,
        progress=100,
    )
    recording.audio.save("a.webm", ContentFile(b"webm"), save=False)
    recording.save()
    Transcript.objects.create(
        session=session,
        practice=practice,
        recording=recording,
        model="demo",
        segments=[{"speaker": "patient", "start": 0.0, "end": 5.0, "text": f"Soy {NAME}"}],
    )
    consent = consents.consent_send(
        patient=patient, membership=therapist_member, kind="treatment"
    )  # emails the patient
    consents.consent_sign(consent=consent, name=NAME, accepted=True, ip="203.0.113.9", user_agent="Firefox")
    WaitlistEntry.objects.create(
        practice=practice,
        therapist=user,
        name=NAME,
        email=EMAIL,
        phone=PHONE,
        rut=RUT,
        date_from=then.date(),
        date_to=then.date(),
    )
    EmailCode.objects.create(
        practice=practice,
        purpose="booking",
        email=EMAIL,
        code_hash="x",
        expires_at=then,
        payload={"name": NAME, "email": EMAIL, "phone": PHONE, "rut": RUT},
    )
    CreditLedgerEntry.objects.create(
        practice=practice, kind="usage", amount=Decimal("-1.0"), operation="report", patient_id=patient.pk
    )
    Patient.objects.filter(pk=pid).update(
        created_at=then, first_session_date=then.date(), last_session_date=then.date(), total_sessions=1
    )
    files = [attachment.file.name, report.pdf.name, recording.audio.name]
    assert all(default_storage.exists(name) for name in files)
    return Patient.objects.get(pk=pid), files


@pytest.mark.django_db(transaction=True)
def test_dry_run_then_execute_leaves_no_identifier_anywhere(
    as_therapist, therapist_member, django_capture_on_commit_callbacks
):
    patient, files = _old_record(as_therapist, therapist_member)
    recent = patient_for(therapist_member, name="Paciente Reciente")  # created today: far inside retention
    assert _occurrences(IDENTIFIERS)  # the search finds them before: it is not blind

    report = StringIO()
    call_command("retention_report", stdout=report)
    assert (
        str(patient.pk) in report.getvalue()
        and str(recent.pk) not in report.getvalue()
        and NAME not in report.getvalue()
    )

    dry = StringIO()
    call_command("apply_retention", stdout=dry)
    patient.refresh_from_db()
    assert f"would anonymize {patient.pk}" in dry.getvalue() and "Dry run: 1 patient" in dry.getvalue()
    assert patient.name == NAME and patient.anonymized_at is None

    audit_before = LogEntry.objects.count()
    ledger_before = CreditLedgerEntry.objects.filter(patient_id=patient.pk).count()
    done = StringIO()
    call_command("apply_retention", "--execute", stdout=done)
    assert "Anonymized 1 patient" in done.getvalue()

    patient.refresh_from_db()
    assert patient.name == ANONYMOUS_NAME and patient.anonymized_at and patient.status == "archived"
    assert (
        patient.rut,
        patient.email,
        patient.phone,
        patient.notes,
        patient.address,
        patient.emergency_contact,
        patient.birth_date,
    ) == ("", "", "", "", {}, {}, None)
    session = Session.objects.get(patient=patient)  # the session's date, status and duration stay; its content goes
    assert (session.content, session.notes, session.goals, session.title, session.status) == (
        "",
        "",
        [],
        "",
        "completed",
    )
    assert patient.total_sessions == 1 and patient.last_session_date
    assert (
        not Addendum.objects.filter(session=session).exists()
        and not Attachment.objects.filter(session=session).exists()
    )
    assert (
        not AIReport.objects.filter(patient=patient).exists() and not Recording.objects.filter(session=session).exists()
    )
    assert not Transcript.objects.filter(session=session).exists()
    assert Assessment.objects.get(patient=patient).score == 9  # counts stay
    assert not any(default_storage.exists(name) for name in files)
    assert CreditLedgerEntry.objects.filter(patient_id=patient.pk).count() == ledger_before
    assert LogEntry.objects.count() > audit_before  # nothing removed from the trail; the anonymization is in it
    assert LogEntry.objects.filter(object_pk=str(patient.pk), changes__has_key="anonymized_at").exists()
    assert not WaitlistEntry.objects.filter(email=EMAIL).exists() and not EmailCode.objects.filter(email=EMAIL).exists()

    assert _occurrences(IDENTIFIERS) == []

    recent.refresh_from_db()
    assert recent.name == "Paciente Reciente" and recent.anonymized_at is None
    again = StringIO()
    call_command("apply_retention", "--execute", stdout=again)
    assert "Anonymized 0 patient" in again.getvalue()


def test_the_report_and_the_run_can_be_limited_to_one_practice(as_therapist, therapist_member, other_admin_member):
    patient, _files = _old_record(as_therapist, therapist_member)
    out = StringIO()
    call_command("apply_retention", "--practice", str(other_admin_member.practice_id), "--execute", stdout=out)
    patient.refresh_from_db()
    assert "Anonymized 0" in out.getvalue() and patient.name == NAME
    report = StringIO()
    call_command("retention_report", "--practice", str(therapist_member.practice_id), stdout=report)
    assert f"{therapist_member.practice.name}" in report.getvalue() and "1 patient(s)" in report.getvalue()


def test_a_suppression_request_past_retention_anonymizes(as_admin, as_therapist, therapist_member):
    patient, _files = _old_record(as_therapist, therapist_member)
    filed = as_admin.post(
        "/api/privacy/requests", {"patientId": str(patient.id), "kind": "suppression"}, format="json"
    ).json()
    done = as_admin.post(f"/api/privacy/requests/{filed['id']}/fulfill")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "fulfilled" and "anonimizado" in done.json()["resolution"]
    assert done.json()["patientName"] == ANONYMOUS_NAME
    patient.refresh_from_db()
    assert patient.anonymized_at and patient.rut == ""


def test_a_later_appointment_keeps_the_record(as_therapist, therapist_member):
    """A patient whose last completed session is 16 years old but who has a session booked since
    (any status) is not past retention."""
    patient, _files = _old_record(as_therapist, therapist_member)
    soon = timezone.now() + timedelta(days=3)
    Session.objects.create(
        practice=patient.practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=soon,
        ends_at=soon + timedelta(minutes=50),
    )
    out = StringIO()
    call_command("apply_retention", "--execute", stdout=out)
    patient.refresh_from_db()
    assert "Anonymized 0" in out.getvalue() and patient.name == NAME


def test_a_suppression_request_follows_the_same_rule(as_admin, as_therapist, therapist_member):
    """The request is refused, as `apply_retention` skips the patient, while a session of any
    status lies after the cutoff."""
    patient, _files = _old_record(as_therapist, therapist_member)
    soon = timezone.now() + timedelta(days=3)
    Session.objects.create(
        practice=patient.practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=soon,
        ends_at=soon + timedelta(minutes=50),
    )
    filed = as_admin.post(
        "/api/privacy/requests", {"patientId": str(patient.id), "kind": "suppression"}, format="json"
    ).json()
    refused = as_admin.post(f"/api/privacy/requests/{filed['id']}/fulfill")
    assert refused.status_code == 409 and refused.json()["code"] == "retention_period"
    patient.refresh_from_db()
    assert patient.anonymized_at is None and patient.name == NAME
