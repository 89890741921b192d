"""`GET /patients/{id}/export?format=fhir`: a FHIR Bundle another clinical system reads, parsed
back with fhir.resources."""

from datetime import timedelta

from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from patients.tests.factories import patient_for
from scheduling.models import Addendum, Assessment, Attachment, Session


def _record(therapist_member):
    patient = patient_for(
        therapist_member,
        name="Josefa Muñoz Rojas",
        rut="123456785",
        email="josefa@correo.cl",
        phone="+56 9 8765 4321",
        address={"street": "Av. Grecia 2450", "city": "Ñuñoa"},
    )
    now = timezone.now()
    session = Session.objects.create(
        practice=patient.practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=now - timedelta(days=7),
        ends_at=now - timedelta(days=7) + timedelta(minutes=50),
        status="completed",
        content="<p>Ánimo estable.</p>",
        signed_at=now - timedelta(days=6),
        signed_by=therapist_member.user,
    )
    Addendum.objects.create(session=session, author=therapist_member.user, content="<p>Corrección de fecha.</p>")
    Assessment.objects.create(session=session, patient=patient, type="phq9", items=[1] * 9, score=9, severity="leve")
    Assessment.objects.create(
        session=session, patient=patient, type="gad7", items=[2] * 7, score=14, severity="moderada"
    )
    attachment = Attachment(
        session=session, file_name="informe.pdf", file_type="application/pdf", size=8, uploaded_by=therapist_member.user
    )
    attachment.file.save("informe.pdf", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()
    Session.objects.create(
        practice=patient.practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, minutes=50),
        type="virtual",
    )
    return patient, session


def test_the_bundle_validates_and_carries_the_record(as_therapist, therapist_member):
    patient, session = _record(therapist_member)
    answer = as_therapist.get(f"/api/patients/{patient.id}/export", {"format": "fhir"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/fhir+json"
    bundle = Bundle.model_validate_json(answer.content)  # parses back: every resource is valid
    assert bundle.type == "collection"
    by_type = {}
    for entry in bundle.entry:
        by_type.setdefault(entry.resource.get_resource_type(), []).append(entry.resource)
    assert len({e.fullUrl for e in bundle.entry}) == len(bundle.entry)
    (fhir_patient,) = by_type["Patient"]
    assert fhir_patient.meta.profile == ["https://hl7chile.cl/fhir/ig/clcore/StructureDefinition/CorePacienteCl"]
    run = fhir_patient.identifier[0]
    assert (run.type.coding[0].code, run.type.coding[0].display, run.value) == ("01", "RUN", "12345678-5")
    assert [p.name[0].text for p in by_type["Practitioner"]] == [therapist_member.user.name]
    encounters = {e.id: e for e in by_type["Encounter"]}
    finished = encounters[str(session.id)]
    assert finished.status == "finished" and str(finished.period.start).endswith(("-03:00", "-04:00"))
    assert sorted(e.status for e in encounters.values()) == ["finished", "planned"]
    observations = {o.code.coding[0].code: o for o in by_type["Observation"]}
    assert observations["44261-6"].valueInteger == 9 and observations["70274-6"].valueInteger == 14
    assert observations["44261-6"].code.coding[0].system == "http://loinc.org"
    documents = {d.type.text: d for d in by_type["DocumentReference"]}
    assert set(documents) == {"Nota clínica", "Adenda", "Adjunto"}
    assert (
        documents["Nota clínica"].content[0].attachment.data.decode() == "<p>Ánimo estable.</p>"
    )  # base64 on the wire
    assert documents["Adjunto"].content[0].attachment.title == "informe.pdf"


def test_the_export_is_audited_and_scoped(as_therapist, as_assistant, as_other_admin, api, therapist_member):
    patient, _session = _record(therapist_member)
    url = f"/api/patients/{patient.id}/export"
    assert api.get(url, {"format": "fhir"}).status_code == 401
    assert as_assistant.get(url, {"format": "fhir"}).status_code == 403
    foreign = as_other_admin.get(url, {"format": "fhir"})
    assert (
        foreign.status_code == 404
        and foreign["Content-Type"] == "application/json"
        and foreign.json()["code"] == "not_found"
    )
    assert as_therapist.get(url, {"format": "xml"}).status_code == 404  # DRF: no renderer for that format
    before = LogEntry.objects.filter(object_pk=str(patient.id), action=LogEntry.Action.ACCESS).count()
    assert as_therapist.get(url, {"format": "fhir"}).status_code == 200
    assert LogEntry.objects.filter(object_pk=str(patient.id), action=LogEntry.Action.ACCESS).count() == before + 1
    assert as_therapist.get(url).json()["patient"]["name"] == "Josefa Muñoz Rojas"  # the JSON export is unchanged
