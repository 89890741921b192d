"""The backend-side deviations from the UI's types, decided (issue 36), and the failures the bare
schemathesis CLI found, each as its request."""

import pytest
from django.test import override_settings

from patients.tests.factories import patient_for


def test_the_profile_leaves_unset_optionals_out_and_sends_the_whole_address(as_therapist):
    profile = as_therapist.get("/api/auth/profile").json()["profile"]
    assert "photo" not in profile and "yearsOfExperience" not in profile
    assert profile["address"] == {"street": "", "city": "", "region": "", "zipCode": "", "country": "Chile"}
    updated = as_therapist.put(
        "/api/profile", {"yearsOfExperience": 7, "address": {"street": "Av. Grecia 2450"}}, format="json"
    ).json()["profile"]
    assert updated["yearsOfExperience"] == 7 and updated["address"]["street"] == "Av. Grecia 2450"
    assert updated["address"]["country"] == "Chile" and "photo" not in updated


def test_an_empty_emergency_contact_is_refused_also_in_a_patch(as_therapist, therapist_member):
    patient = patient_for(therapist_member)
    for method in ("patch", "put"):
        answer = getattr(as_therapist, method)(
            f"/api/patients/{patient.id}", {"name": "Ana Díaz", "emergencyContact": {}}, format="json"
        )
        assert answer.status_code == 400 and {"emergencyContact.name", "emergencyContact.phone"} <= set(
            answer.json()["errors"]
        )
    flat = as_therapist.patch(
        f"/api/patients/{patient.id}", {"emergencyContact": "Ana Díaz", "emergencyPhone": "+56 9 1"}, format="json"
    )  # the UI's create form: declared in the schema as an alternative
    assert flat.status_code == 200 and flat.json()["emergencyContact"]["name"] == "Ana Díaz"
    assert (
        as_therapist.patch(f"/api/patients/{patient.id}", {"emergencyContact": None}, format="json").json()[
            "emergencyContact"
        ]
        is None
    )


def test_an_empty_export_format_is_a_400(as_therapist, therapist_member):
    patient = patient_for(therapist_member)
    answer = as_therapist.get(f"/api/patients/{patient.id}/export?format=")
    assert answer.status_code == 400 and "format" in answer.json()["errors"]


@pytest.mark.parametrize(
    "path", ["/api/sessions/%0Aabc/assessments/x", "/api/patients/%C3%9A%0A/consents", "/api/nada"]
)
def test_an_api_address_no_route_matches_is_the_json_404_with_debug_on(as_therapist, path):
    for debug in (False, True):
        with override_settings(DEBUG=debug):
            answer = as_therapist.get(path)
        assert answer.status_code == 404 and answer["Content-Type"] == "application/json", (debug, answer.content[:80])
        assert answer.json() == {"message": "No encontrado", "code": "not_found"}


def test_the_schema_states_the_flat_forms_and_the_years(as_therapist):
    spec = as_therapist.get("/api/schema/?format=json").json()
    write = spec["components"]["schemas"]["PatientWriteRequest"]["properties"]
    assert {"type": "string", "maxLength": 100} in write["emergencyContact"]["anyOf"]
    assert {"type": "string", "maxLength": 200} in write["address"]["anyOf"]
    availability = next(p for p in spec["paths"]["/api/availability"]["get"]["parameters"] if p["name"] == "date")
    assert availability["schema"]["pattern"].startswith("^(19[0-9]{2}|20[0-9]{2}|2100)-")


def test_an_instant_before_the_zone_had_a_standard_offset_is_sent_in_utc(as_admin, admin_member):
    """Santiago's local mean time (−04:42:45, until 1910) cannot be written in RFC 3339: the bare
    schemathesis run found `1906-09-21T10:30:18-04:42:45` in data-rights requests."""
    patient = patient_for(admin_member)
    filed = as_admin.post(
        "/api/privacy/requests",
        {"patientId": str(patient.id), "kind": "access", "receivedAt": "1906-09-21T15:13:03Z"},
        format="json",
    )
    assert filed.status_code == 201, filed.json()
    assert filed.json()["receivedAt"] == "1906-09-21T15:13:03Z" and filed.json()["dueAt"].endswith("Z")
    modern = as_admin.post(
        "/api/privacy/requests",
        {"patientId": str(patient.id), "kind": "access", "receivedAt": "2026-09-21T15:13:03Z"},
        format="json",
    )
    assert modern.json()["receivedAt"] == "2026-09-21T12:13:03-03:00"  # the practice's offset, as everywhere else
