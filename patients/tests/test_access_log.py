"""A patient's access log: every read and change of the record, newest first, admins only."""

from datetime import timedelta

from django.utils import timezone

from patients.tests.factories import patient_for
from scheduling.models import Session


def test_the_access_log_lists_a_read_made_a_minute_earlier(
    as_admin, as_therapist, therapist_member, admin_member, django_assert_max_num_queries
):
    patient = patient_for(therapist_member, name="Elena Rivas")
    now = timezone.now()
    session = Session.objects.create(
        practice=patient.practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(days=1, hours=-1),
        status="completed",
        content="<p>nota</p>",
    )
    assert (
        as_therapist.get(f"/api/sessions/{session.id}", REMOTE_ADDR="190.5.5.5").status_code == 200
    )  # a clinical read
    assert (
        as_therapist.patch(f"/api/patients/{patient.id}", {"phone": "+56 9 1234 5678"}, format="json").status_code
        == 200
    )
    url = f"/api/patients/{patient.id}/access-log"
    with django_assert_max_num_queries(25):
        answer = as_admin.get(url)
    assert answer.status_code == 200, answer.json()
    rows = answer.json()["data"]
    assert rows[0]["action"] == "update" and rows[0]["objectType"] == "patient"
    read = next(r for r in rows if r["action"] == "read" and r["objectType"] == "session")
    assert read["objectId"] == str(session.id) and read["ip"] == "190.5.5.5"
    assert read["actor"] == {
        "id": str(therapist_member.user_id),
        "name": therapist_member.user.name,
        "role": "therapist",
    }
    assert [r["at"] for r in rows] == sorted((r["at"] for r in rows), reverse=True)

    for _ in range(15):  # more history does not cost more queries
        as_therapist.get(f"/api/sessions/{session.id}")
    with django_assert_max_num_queries(25):
        longer = as_admin.get(url, {"limit": 100})
    assert longer.json()["pagination"]["total"] >= 17

    later = as_admin.get(url, {"since": (timezone.now() + timedelta(minutes=1)).isoformat()})
    assert later.status_code == 200 and later.json()["data"] == []


def test_access_log_rules(api, as_therapist, as_assistant, as_other_admin, as_admin, therapist_member):
    patient = patient_for(therapist_member)
    url = f"/api/patients/{patient.id}/access-log"
    assert api.get(url).status_code == 401
    assert as_therapist.get(url).status_code == 403
    assert as_assistant.get(url).status_code == 403
    assert as_other_admin.get(url).status_code == 404
    bad = as_admin.get(url, {"since": "ayer"})
    assert bad.status_code == 400 and "since" in bad.json()["errors"] and bad.json()["message"]
