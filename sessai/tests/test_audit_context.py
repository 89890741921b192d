"""The audit actor of an API request is set inside django-auditlog's middleware context, not in a
second nested one: the nested one left the middleware's signal receiver connected, one more on
`pre_save` for every authenticated request (a leak in memory and in every later save's time)."""

import re
from datetime import timedelta

from auditlog.models import LogEntry
from django.db import connection
from django.db.models.signals import pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Practice
from patients.tests.factories import patient_for
from scheduling.models import Session


def test_requests_leave_no_signal_receiver_behind(as_therapist, therapist_member):
    patient = patient_for(therapist_member, name="Receptor Pérez")
    as_therapist.get(f"/api/patients/{patient.id}")
    before = len(pre_save.receivers)
    for n in range(10):
        assert as_therapist.get(f"/api/patients/{patient.id}").status_code == 200
        assert (
            as_therapist.patch(
                f"/api/patients/{patient.id}", {"phone": f"+56 9 1111 22{n:02d}"}, format="json"
            ).status_code
            == 200
        )
    assert len(pre_save.receivers) == before
    change = LogEntry.objects.filter(object_pk=str(patient.pk), action=LogEntry.Action.UPDATE).latest("timestamp")
    read = LogEntry.objects.filter(object_pk=str(patient.pk), action=LogEntry.Action.ACCESS).latest("timestamp")
    assert (
        change.actor == therapist_member.user
        and read.actor == therapist_member.user
        and change.remote_addr == "127.0.0.1"
    )


def test_saving_reads_no_reverse_one_to_one(practice, therapist_member):
    """django-auditlog diffed the reverse side of one-to-one relations too: creating a session ran a
    query for its transcript, creating a practice one for each of its subscription, credit account
    and settings. The new object's fields are still recorded."""
    patient = patient_for(therapist_member, name="Uno Pérez")
    start = timezone.now() + timedelta(days=2)
    for model, fields in (
        (Practice, {"name": "Centro Nuevo"}),
        (
            Session,
            {
                "practice": practice,
                "patient": patient,
                "therapist": therapist_member.user,
                "starts_at": start,
                "ends_at": start + timedelta(hours=1),
                "location": "Box 3",
            },
        ),
    ):
        with CaptureQueriesContext(connection) as queries:
            obj = model.objects.create(**fields)
        tables = {t for q in queries.captured_queries for t in re.findall(r'(?:FROM|INTO|UPDATE) "(\w+)"', q["sql"])}
        assert tables <= {model._meta.db_table, "auditlog_logentry", "django_content_type"}, tables
        entry = LogEntry.objects.get_for_object(obj).get()
        assert entry.action == LogEntry.Action.CREATE and "id" in entry.changes_dict
