"""The security-incident register (console) and `manage.py incident_affected`: the patients whose
records were read or changed in a window, from the audit trail."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from patients.models import SecurityIncident
from patients.tests.factories import patient_for
from scheduling.models import Session


def _csv(*args) -> list[list[str]]:
    out = io.StringIO()
    call_command("incident_affected", *args, stdout=out, stderr=io.StringIO())
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_the_patients_touched_in_a_window_are_listed(
    as_therapist, as_other_admin, therapist_member, other_admin_member
):
    read = patient_for(therapist_member, name="Leída Pérez", email="leida@correo.cl")
    changed = patient_for(therapist_member, name="Cambiada Soto")
    untouched = patient_for(therapist_member, name="Intacta Rojas")
    foreign = patient_for(other_admin_member, name="Ajena Vera")
    start = timezone.now()
    assert as_therapist.get(f"/api/patients/{read.id}").status_code == 200
    session = Session.objects.create(
        practice=changed.practice,
        patient=changed,
        therapist=therapist_member.user,
        starts_at=start,
        ends_at=start + timedelta(minutes=50),
    )
    assert as_therapist.patch(f"/api/sessions/{session.id}", {"notes": "Llega tarde"}, format="json").status_code == 200
    assert as_other_admin.get(f"/api/patients/{foreign.id}").status_code == 200
    end = timezone.now() + timedelta(seconds=1)

    rows = _csv("--since", start.isoformat(), "--until", end.isoformat())
    assert rows[0] == ["practice_id", "patient_id", "name", "email", "reads", "changes"]
    by_id = {row[1]: row for row in rows[1:]}
    assert set(by_id) == {str(read.id), str(changed.id), str(foreign.id)} and str(untouched.id) not in by_id
    assert by_id[str(read.id)][2:] == ["Leída Pérez", "leida@correo.cl", "1", "0"]
    assert int(by_id[str(changed.id)][5]) >= 1  # the session's creation and edit count as changes of that record

    one = _csv(
        "--since", start.isoformat(), "--until", end.isoformat(), "--practice", str(therapist_member.practice_id)
    )
    assert {row[1] for row in one[1:]} == {str(read.id), str(changed.id)}
    before = _csv(
        "--since",
        (start - timedelta(days=2)).date().isoformat(),
        "--until",
        (start - timedelta(days=1)).date().isoformat(),
    )
    assert before == [["practice_id", "patient_id", "name", "email", "reads", "changes"]]


def test_a_window_must_be_valid(db):
    with pytest.raises(CommandError, match="before"):
        call_command("incident_affected", "--since", "2026-12-02", "--until", "2026-12-01")
    with pytest.raises(CommandError, match="not a date"):
        call_command("incident_affected", "--since", "ayer", "--until", "2026-12-01")


def test_operators_keep_the_register_in_the_console(admin_client, practice):
    page = admin_client.get("/admin/patients/securityincident/add/")
    assert page.status_code == 200
    saved = admin_client.post(
        "/admin/patients/securityincident/add/",
        {
            "detected_at_0": "2026-12-01",
            "detected_at_1": "10:00:00",
            "severity": "high",
            "description": "Credenciales de una terapeuta expuestas",
            "practices": [str(practice.pk)],
            "patients_affected": "12",
            "agency_notified_at_0": "2026-12-02",
            "agency_notified_at_1": "09:00:00",
            "measures": "Cierre de sesiones, cambio de clave",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    incident = SecurityIncident.objects.get()
    assert incident.patients_affected == 12 and list(incident.practices.all()) == [practice]
    listing = admin_client.get("/admin/patients/securityincident/")
    assert listing.status_code == 200 and "Alta" in listing.content.decode()
    assert admin_client.post(f"/admin/patients/securityincident/{incident.pk}/delete/").status_code == 403
