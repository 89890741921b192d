"""The patient's record as a FHIR `Bundle` of type `collection`, for portability (Ley 21.719): a
format another clinical system reads. Built and validated with `fhir.resources`' R4B models
(FHIR 4.3, the R4 line: the package's pure 4.0.1 models need pydantic 1, which the rest of the
stack cannot share), and parsed back by the tests.

- `Patient`, with HL7 Chile's CL Core patient profile and the RUT as the RUN identifier;
- a `Practitioner` per therapist involved;
- an `Encounter` per session (status, period with the practice's UTC offset);
- the clinical note and each addendum as a `DocumentReference` with the text inline;
- an `Observation` per PHQ-9 (LOINC 44261-6) and GAD-7 (LOINC 70274-6), the total as `valueInteger`;
- a `QuestionnaireResponse` per questionnaire the patient answered by link (the LOINC panel as its
  `questionnaire`, 44249-1 and 69737-5; each item's answer as `valueInteger`);
- a `DocumentReference` per attachment (its metadata; the file goes in the full package)."""

import base64
import uuid
from zoneinfo import ZoneInfo

from django.apps import apps
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from patients.rut import rut_format

CL_CORE_PATIENT = "https://hl7chile.cl/fhir/ig/clcore/StructureDefinition/CorePacienteCl"
CL_IDENTIFIER_TYPES = "https://hl7chile.cl/fhir/ig/clcore/CodeSystem/CSTipoIdentificador"
LOINC = "http://loinc.org"
INSTRUMENTS = {
    "phq9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
    "gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
}
# The LOINC panels of the questionnaires patients answer by link (their items are the panels')
QUESTIONNAIRES = {"phq9": "44249-1", "gad7": "69737-5"}
ENCOUNTER_STATUS = {"scheduled": "planned", "completed": "finished", "cancelled": "cancelled", "no-show": "cancelled"}
ENCOUNTER_CLASS = {"virtual": ("VR", "virtual"), "telefonica": ("VR", "virtual"), "presencial": ("AMB", "ambulatory")}


def _ref(kind: str, pk) -> dict:
    return {"reference": f"{kind}/{pk}"}


def _entry(resource: dict) -> dict:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _patient(patient) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": {"profile": [CL_CORE_PATIENT]},
        "active": patient.status != "archived",
        "name": [
            {
                "use": "official",
                "text": patient.name,
                "family": patient.name.split()[-1],
                "given": patient.name.split()[:-1] or [patient.name],
            }
        ],
    }
    if patient.rut:
        resource["identifier"] = [
            {
                "use": "official",
                "type": {"coding": [{"system": CL_IDENTIFIER_TYPES, "code": "01", "display": "RUN"}]},
                "value": rut_format(patient.rut).replace(".", ""),
            }
        ]
    telecom = [{"system": "phone", "value": patient.phone, "use": "mobile"}] if patient.phone else []
    telecom += [{"system": "email", "value": patient.email}] if patient.email else []
    if telecom:
        resource["telecom"] = telecom
    if patient.birth_date:
        resource["birthDate"] = patient.birth_date.isoformat()
    address = {k: v for k, v in (patient.address or {}).items() if v}
    if address:
        resource["address"] = [
            {
                "line": [address["street"]] if address.get("street") else None,
                "city": address.get("city"),
                "state": address.get("region"),
                "postalCode": address.get("zip_code"),
                "country": "CL",
            }
        ]
        resource["address"] = [{k: v for k, v in resource["address"][0].items() if v}]
    return resource


def _practitioner(user) -> dict:
    resource = {"resourceType": "Practitioner", "id": str(user.pk), "name": [{"text": user.name}]}
    if user.email:
        resource["telecom"] = [{"system": "email", "value": user.email}]
    return resource


def _html_document(pk, *, patient_id, encounter_id, author_id, when, title: str, html: str) -> dict:
    return {
        "resourceType": "DocumentReference",
        "id": str(pk),
        "status": "current",
        "type": {"text": title},
        "subject": _ref("Patient", patient_id),
        "date": when.isoformat(),
        "author": [_ref("Practitioner", author_id)] if author_id else None,
        "context": {"encounter": [_ref("Encounter", encounter_id)]},
        "content": [
            {
                "attachment": {
                    "contentType": "text/html; charset=utf-8",
                    "language": "es",
                    "data": base64.b64encode(html.encode()).decode(),
                    "title": title,
                }
            }
        ],
    }


def patient_bundle(patient) -> dict:
    """The bundle as JSON-ready data, validated by `fhir.resources` before it is returned."""
    Session = apps.get_model("scheduling", "Session")
    tz = ZoneInfo(patient.practice.timezone)
    sessions = list(
        Session.objects.filter(patient=patient)
        .select_related("therapist")
        .prefetch_related("addenda", "assessments", "attachments", "questionnaire_requests")
        .order_by("starts_at")
    )
    practitioners = {s.therapist_id: s.therapist for s in sessions}
    entries = [_entry(_patient(patient))] + [_entry(_practitioner(user)) for user in practitioners.values()]
    for session in sessions:
        klass = ENCOUNTER_CLASS.get(session.type, ENCOUNTER_CLASS["presencial"])
        entries.append(
            _entry(
                {
                    "resourceType": "Encounter",
                    "id": str(session.pk),
                    "status": ENCOUNTER_STATUS.get(session.status, "unknown"),
                    "class": {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": klass[0],
                        "display": klass[1],
                    },
                    "subject": _ref("Patient", patient.pk),
                    "participant": [{"individual": _ref("Practitioner", session.therapist_id)}],
                    "period": {
                        "start": session.starts_at.astimezone(tz).isoformat(),
                        "end": session.ends_at.astimezone(tz).isoformat(),
                    },
                }
            )
        )
        if session.content:
            entries.append(
                _entry(
                    _html_document(
                        uuid.uuid5(session.pk, "nota-clinica"),
                        patient_id=patient.pk,
                        encounter_id=session.pk,
                        author_id=session.therapist_id,
                        when=(session.signed_at or session.updated_at).astimezone(tz),
                        title="Nota clínica",
                        html=session.content,
                    )
                )
            )
        for addendum in session.addenda.all():
            entries.append(
                _entry(
                    _html_document(
                        addendum.pk,
                        patient_id=patient.pk,
                        encounter_id=session.pk,
                        author_id=addendum.author_id,
                        when=addendum.created_at.astimezone(tz),
                        title="Adenda",
                        html=addendum.content,
                    )
                )
            )
        for assessment in session.assessments.all():
            if assessment.type in INSTRUMENTS and assessment.score is not None:
                code, display = INSTRUMENTS[assessment.type]
                entries.append(
                    _entry(
                        {
                            "resourceType": "Observation",
                            "id": str(assessment.pk),
                            "status": "final",
                            "category": [
                                {
                                    "coding": [
                                        {
                                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                            "code": "survey",
                                            "display": "Survey",
                                        }
                                    ]
                                }
                            ],
                            "code": {
                                "coding": [{"system": LOINC, "code": code, "display": display}],
                                "text": assessment.get_type_display(),
                            },
                            "subject": _ref("Patient", patient.pk),
                            "encounter": _ref("Encounter", session.pk),
                            "effectiveDateTime": session.starts_at.astimezone(tz).isoformat(),
                            "valueInteger": assessment.score,
                        }
                    )
                )
        for request in session.questionnaire_requests.all():
            if request.completed_at is None:
                continue
            for code in request.instruments:
                entries.append(
                    _entry(
                        {
                            "resourceType": "QuestionnaireResponse",
                            "id": str(uuid.uuid5(request.pk, code)),
                            "questionnaire": f"http://loinc.org/q/{QUESTIONNAIRES[code]}",
                            "status": "completed",
                            "subject": _ref("Patient", patient.pk),
                            "encounter": _ref("Encounter", session.pk),
                            "authored": request.completed_at.astimezone(tz).isoformat(),
                            "source": _ref("Patient", patient.pk),
                            "item": [
                                {"linkId": str(number), "answer": [{"valueInteger": value}]}
                                for number, value in enumerate(request.answers.get(code, []), start=1)
                            ],
                        }
                    )
                )
        for attachment in session.attachments.all():
            entries.append(
                _entry(
                    {
                        "resourceType": "DocumentReference",
                        "id": str(attachment.pk),
                        "status": "current",
                        "type": {"text": "Adjunto"},
                        "subject": _ref("Patient", patient.pk),
                        "date": attachment.created_at.astimezone(tz).isoformat(),
                        "context": {"encounter": [_ref("Encounter", session.pk)]},
                        "content": [
                            {
                                "attachment": {
                                    "contentType": attachment.file_type or "application/octet-stream",
                                    "title": attachment.file_name,
                                    "size": attachment.size,
                                }
                            }
                        ],
                    }
                )
            )
    data = {
        "resourceType": "Bundle",
        "id": str(patient.pk),
        "type": "collection",
        "timestamp": timezone.now().astimezone(tz).isoformat(),
        "entry": entries,
    }
    return Bundle.model_validate(_clean(data)).model_dump(mode="json", exclude_none=True)


def _clean(value):
    """Drop the `None`s the builders leave for absent optional elements (FHIR forbids nulls)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value if v is not None]
    return value
