"""The audit actor of an API request is set inside django-auditlog's middleware context, not in a
second nested one: the nested one left the middleware's signal receiver connected, one more on
`pre_save` for every authenticated request (a leak in memory and in every later save's time)."""

from auditlog.models import LogEntry
from django.db.models.signals import pre_save

from patients.tests.factories import patient_for


def test_requests_leave_no_signal_receiver_behind(as_therapist, therapist_member):
    patient = patient_for(therapist_member, name="Receptor Pérez")
    as_therapist.get(f"/api/patients/{patient.id}")
    before = len(pre_save.receivers)
    for n in range(10):
        assert as_therapist.get(f"/api/patients/{patient.id}").status_code == 200
        assert as_therapist.patch(f"/api/patients/{patient.id}", {"phone": f"+56 9 1111 22{n:02d}"}, format="json").status_code == 200
    assert len(pre_save.receivers) == before
    change = LogEntry.objects.filter(object_pk=str(patient.pk), action=LogEntry.Action.UPDATE).latest("timestamp")
    read = LogEntry.objects.filter(object_pk=str(patient.pk), action=LogEntry.Action.ACCESS).latest("timestamp")
    assert change.actor == therapist_member.user and read.actor == therapist_member.user and change.remote_addr == "127.0.0.1"
