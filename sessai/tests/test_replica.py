"""Heavy reads go to the read replica when one is configured, and nobody misses their own change
(sessai/replica.py). The "replica" here is a second connection to the test database: what the
tests prove is where each query goes (a real streaming replica and its lag are the cluster test's)."""

import copy
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patients.models import Patient
from patients.tests.factories import patient_for
from sessai.replica import replica_reads

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(scope="module", autouse=True)
def _replica_alias():
    """The alias exists for this module's tests only: elsewhere the router must find no replica."""
    connections.settings["replica"] = copy.deepcopy(connections.settings["default"])
    yield
    if hasattr(connections._connections, "replica"):
        connections["replica"].close()
        delattr(connections._connections, "replica")
    del connections.settings["replica"]


@pytest.fixture
def replica():
    return connections["replica"]


def _window():
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return {"start": start.isoformat(), "end": (start + timedelta(days=7)).isoformat()}


def _calendar(client):
    return client.get("/api/sessions", _window())


def test_the_calendar_reads_the_replica_until_its_reader_writes(
    replica, as_therapist, as_admin, therapist_member, settings
):
    patient = patient_for(therapist_member, name="Paciente Réplica")
    with CaptureQueriesContext(replica) as on_replica:
        assert _calendar(as_therapist).status_code == 200
    assert any("scheduling_session" in q["sql"] for q in on_replica.captured_queries)

    starts = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    created = as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "sessionDate": starts.date().isoformat(),
            "sessionTime": "10:00",
            "duration": 50,
            "type": "presencial",
            "allowOutsideAvailability": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    with CaptureQueriesContext(replica) as on_replica:
        mine = _calendar(as_therapist)
    assert on_replica.captured_queries == []  # pinned to the primary after writing
    assert created.json()["id"] in [event["id"] for event in mine.json()["data"]]
    with CaptureQueriesContext(replica) as on_replica:
        assert _calendar(as_admin).status_code == 200  # someone who did not write: the replica
    assert on_replica.captured_queries


def test_reads_inside_a_transaction_stay_on_the_primary(replica, therapist_member):
    patient_for(therapist_member, name="Paciente Transacción")
    with CaptureQueriesContext(replica) as on_replica, transaction.atomic(), replica_reads():
        assert Patient.objects.count() == 1
    assert on_replica.captured_queries == []
    with CaptureQueriesContext(replica) as on_replica, replica_reads():
        assert Patient.objects.count() == 1
    assert len(on_replica.captured_queries) == 1


def test_without_a_replica_every_read_is_the_primarys(therapist_member):
    patient_for(therapist_member, name="Paciente Primario")
    replica_settings = connections.settings.pop("replica")
    try:
        with replica_reads():
            assert Patient.objects.all().db == "default" and Patient.objects.count() == 1
    finally:
        connections.settings["replica"] = replica_settings
