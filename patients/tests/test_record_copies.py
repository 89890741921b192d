"""The record for the patient: `?format=pdf` (a readable copy, real WeasyPrint), and the full
package (a ZIP built by a background job, its signed link emailed to the admin who asked)."""

import csv
import io
import re
import zipfile
from datetime import date, timedelta

from auditlog.models import LogEntry
from django.core import mail
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from patients.models import ExportPackage
from patients.services.record import packages_expire
from patients.tests.factories import patient_for
from patients.tests.test_fhir_export import _record
from scheduling.models import Assessment, Session
from sessai.charts import score_lines


def test_the_pdf_copy_is_a_readable_record(as_therapist, therapist_member):
    patient, _session = _record(therapist_member)
    answer = as_therapist.get(f"/api/patients/{patient.id}/export", {"format": "pdf"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"] == f'attachment; filename="paciente-{patient.pk}.pdf"'
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    for expected in (
        "Josefa Muñoz Rojas",
        "12.345.678-5",
        "Ánimo estable.",
        "Corrección de fecha.",
        "informe.pdf",
        "Google",
    ):
        assert expected in text, expected
    assert LogEntry.objects.filter(object_pk=str(patient.pk), action=LogEntry.Action.ACCESS).exists()


def test_pdf_errors_keep_the_json_envelope(as_therapist, as_assistant, other_admin_member, therapist_member):
    foreign = patient_for(other_admin_member)
    missing = as_therapist.get(f"/api/patients/{foreign.id}/export", {"format": "pdf"})
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json" and missing.json()["message"]
    own = patient_for(therapist_member)
    refused = as_assistant.get(f"/api/patients/{own.id}/export", {"format": "pdf"})
    assert refused.status_code == 403 and refused.json()["message"]


def test_the_package_is_built_in_the_background_and_sent_as_a_link(
    as_admin, admin_member, therapist_member, run_jobs, client
):
    patient, _session = _record(therapist_member)
    as_admin.get(f"/api/patients/{patient.id}")  # a read the package's access log must show
    answer = as_admin.post(f"/api/patients/{patient.id}/export-package")
    assert (
        answer.status_code == 202
        and answer.json()["status"] == "pending"
        and answer.json()["patientId"] == str(patient.id)
    )
    run_jobs()
    package = ExportPackage.objects.get(pk=answer.json()["id"])
    assert package.status == "ready" and package.size > 0 and package.expires_at > timezone.now() + timedelta(hours=71)
    (email,) = mail.outbox
    assert email.to == [admin_member.user.email] and "exportación" in email.subject
    link = re.search(r"https?://\S+/exportacion/\S+", email.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    download = client.get(f"/{path}")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = archive.namelist()
    assert {"ficha.fhir.json", "ficha.pdf", "registro-de-accesos.csv"} <= set(names)
    bundle = Bundle.model_validate_json(archive.read("ficha.fhir.json"))
    assert any(e.resource.get_resource_type() == "Patient" for e in bundle.entry)
    assert archive.read("ficha.pdf").startswith(b"%PDF")
    log = list(csv.reader(io.StringIO(archive.read("registro-de-accesos.csv").decode("utf-8-sig"))))
    assert any(row[1] == admin_member.user.name and row[2] == "read" and row[3] == "patient" for row in log[1:])
    (attachment_name,) = [n for n in names if n.startswith("adjuntos/")]
    assert attachment_name.endswith("informe.pdf") and archive.read(attachment_name) == b"%PDF-1.4"
    downloads = LogEntry.objects.filter(
        object_pk=str(patient.pk), action=LogEntry.Action.ACCESS, actor=admin_member.user
    )
    assert downloads.count() >= 2  # the read, and the download as an export

    tampered = client.get(f"/{path[:-3]}xyz")
    assert tampered.status_code == 404 and "no está disponible" in tampered.content.decode()
    ExportPackage.objects.filter(pk=package.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(f"/{path}").status_code == 404  # expired
    assert packages_expire() == 1
    package.refresh_from_db()
    assert package.file.name == "" and not package.file


def test_a_demoted_admin_can_no_longer_download(as_admin, admin_member, therapist_member, run_jobs, client):
    patient, _session = _record(therapist_member)
    as_admin.post(f"/api/patients/{patient.id}/export-package")
    run_jobs()
    path = re.search(r"https?://[^/]+(/exportacion/\S+)", mail.outbox[0].body).group(1)
    admin_member.role = "therapist"
    admin_member.save()
    assert client.get(path).status_code == 404


def test_package_rules(api, as_therapist, as_assistant, as_other_admin, as_admin, therapist_member):
    patient = patient_for(therapist_member)
    url = f"/api/patients/{patient.id}/export-package"
    assert api.post(url).status_code == 401
    assert as_therapist.post(url).status_code == 403 and as_assistant.post(url).status_code == 403
    assert as_other_admin.post(url).status_code == 404
    assert not ExportPackage.objects.exists()


def test_portability_sends_the_package(as_admin, admin_member, therapist_member, run_jobs):
    patient = patient_for(therapist_member)
    filed = as_admin.post(
        "/api/privacy/requests", {"patientId": str(patient.id), "kind": "portability"}, format="json"
    ).json()
    done = as_admin.post(f"/api/privacy/requests/{filed['id']}/fulfill").json()
    assert (
        done["status"] == "fulfilled" and admin_member.user.email in done["resolution"] and "ZIP" in done["resolution"]
    )
    run_jobs()
    assert ExportPackage.objects.get(patient=patient).status == "ready"
    assert [m.to for m in mail.outbox] == [[admin_member.user.email]]


def test_the_pdf_copy_draws_the_score_series(as_therapist, therapist_member):
    patient, session = _record(therapist_member)
    later = Session.objects.create(
        practice=session.practice,
        patient=patient,
        therapist=session.therapist,
        starts_at=session.starts_at + timedelta(days=14),
        ends_at=session.ends_at + timedelta(days=14),
        status="completed",
    )
    for at, score in ((session, 17), (later, 8)):
        Assessment.objects.create(session=at, patient=patient, type="phq9", items=[], score=score, severity="")
    pdf = PdfReader(io.BytesIO(as_therapist.get(f"/api/patients/{patient.id}/export", {"format": "pdf"}).content))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "PHQ-9" in text and "27" in text  # the chart's legend and its axis, drawn by WeasyPrint from the SVG
    chart = score_lines({"PHQ-9": [(date(2026, 3, 1), 17), (date(2026, 3, 15), 8)]}, maximum=27)
    assert chart.startswith("<svg") and chart.count("<circle") == 2 and ">17<" in chart and ">8<" in chart
    assert score_lines({"PHQ-9": [(date(2026, 3, 1), 17)]}, maximum=27) == ""  # one point: no line
