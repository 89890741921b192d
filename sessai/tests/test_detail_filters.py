"""List filters are built for lists only: a detail request does not construct or validate them."""

from patients.filters import PatientFilter
from patients.tests.factories import patient_for


def test_detail_requests_skip_the_list_filterset(as_therapist, therapist_member, monkeypatch):
    built = []
    original = PatientFilter.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(PatientFilter, "__init__", counting)
    patient = patient_for(therapist_member, name="Filtro Pérez")
    assert as_therapist.get(f"/api/patients/{patient.id}").status_code == 200
    assert (
        as_therapist.patch(f"/api/patients/{patient.id}", {"phone": "+56 9 1234 5678"}, format="json").status_code
        == 200
    )
    assert built == []
    assert (
        as_therapist.get(f"/api/patients/{patient.id}", {"status": "archived"}).status_code == 400
    )  # not a detail parameter
    listed = as_therapist.get("/api/patients", {"status": "active"})
    assert (
        listed.status_code == 200 and len(built) == 1 and [p["id"] for p in listed.json()["data"]] == [str(patient.id)]
    )
