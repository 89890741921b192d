import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry

from patients.tests.factories import patient_for
from scheduling import services
from scheduling.tests.test_api_records import _dt

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinical(therapist_member):
    patient = patient_for(therapist_member, notes="NOTA-CLINICA-SECRETA")
    session = services.session_create(
        membership=therapist_member,
        patient=patient,
        data={
            "content": "<p>CONTENIDO-SECRETO</p>",
            "notes": "NOTA-BREVE-SECRETA",
            "starts_at": _dt("2026-03-02 10:00"),
            "ends_at": _dt("2026-03-02 11:00"),
        },
    )
    return patient, session


def test_console_lists_patients_and_sessions_without_clinical_fields(operator, clinical):
    patient, session = clinical
    pages = [
        "/admin/patients/patient/",
        "/admin/patients/patient/?status__exact=active&q=" + patient.name.split()[0],
        f"/admin/patients/patient/{patient.pk}/change/",
        "/admin/scheduling/session/",
        "/admin/scheduling/session/?status__exact=completed",
        f"/admin/scheduling/session/{session.pk}/change/",
        "/admin/scheduling/blockedtime/",
    ]
    for url in pages:
        response = operator.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "SECRET" not in html, url


def test_console_audit_log_is_read_only_and_masks_clinical_text(operator, clinical):
    response = operator.get("/admin/auditlog/logentry/")
    assert response.status_code == 200
    entry = LogEntry.objects.filter(object_pk=str(clinical[1].pk)).first()
    detail = operator.get(f"/admin/auditlog/logentry/{entry.pk}/change/")
    assert detail.status_code == 200 and "SECRET" not in detail.content.decode()
    assert operator.get("/admin/auditlog/logentry/add/").status_code == 403


def test_console_audit_log_search_and_filters_work(operator, clinical, therapist_member):
    """Searching used to be a 500 (`first_name__icontains` on our user model)."""
    with set_actor(therapist_member.user, remote_addr="203.0.113.9"):
        patient_for(therapist_member, name="Paciente Auditado")
    entry = LogEntry.objects.filter(actor=therapist_member.user).first()
    for query in (
        "?q=x",
        f"?q={entry.actor.email}",
        f"?actor__id__exact={entry.actor_id}",
        "?action__exact=0",
        f"?practice={therapist_member.practice_id}",
        "?timestamp__gte=2020-01-01",
    ):
        response = operator.get(f"/admin/auditlog/logentry/{query}")
        assert response.status_code == 200, query
    listing = operator.get(f"/admin/auditlog/logentry/?q={entry.actor.email}").content.decode()
    assert entry.object_repr in listing and "203.0.113.9" in listing
    assert (
        "0 resultados" in operator.get("/admin/auditlog/logentry/?q=CONTENIDO-SECRETO").content.decode()
    )  # no search in diffs

    by_practice = operator.get(f"/admin/auditlog/logentry/?practice={therapist_member.practice_id}").content.decode()
    assert "Paciente Auditado" in by_practice
