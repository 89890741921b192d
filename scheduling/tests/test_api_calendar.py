"""The shared calendar: booking without double-booking (also concurrently), availability, DST,
recurrence, status rules, roles, free slots, settings, iCal, reminders and the dashboard."""

import threading
from datetime import date, datetime, timedelta
from email.header import decode_header, make_header
from unittest import mock
from zoneinfo import ZoneInfo

import orjson
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from djangorestframework_camel_case.util import camelize
from icalendar import Calendar
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.tests.factories import MembershipFactory, login_tokens
from patients.models import Patient
from patients.tests.factories import patient_for
from scheduling import selectors
from scheduling.api.serializers import CalendarSessionSerializer
from scheduling.dashboard import dashboard
from scheduling.models import BlockedTime, CalendarFeed, CalendarSettings, Session, SessionReminder

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("America/Santiago")
MONDAY = "2030-01-07"  # a Monday, inside the default Mon–Thu 09:00–18:00 availability


@pytest.fixture
def patient(therapist_member):
    return patient_for(therapist_member, name="María José Pérez")


def book(client, patient, day=MONDAY, start="10:00", end="11:00", **extra):
    payload = {
        "patientId": str(patient.id),
        "date": day,
        "startTime": start,
        "endTime": end,
        "type": "virtual",
        **extra,
    }
    return client.post("/api/sessions", payload, format="json")


# --- Overlaps -------------------------------------------------------------------------------


def test_booking_and_touching_sessions(as_therapist, patient):
    first = book(as_therapist, patient, title="Primera", location="Consulta 2")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["status"], body["date"], body["startTime"], body["endTime"], body["title"]) == (
        "scheduled",
        MONDAY,
        "10:00",
        "11:00",
        "Primera",
    )
    assert book(as_therapist, patient, start="11:00", end="12:00").status_code == 201  # touching is fine
    assert book(as_therapist, patient, start="09:00", end="10:00").status_code == 201


def test_one_minute_of_overlap_is_409_naming_the_conflict(as_therapist, patient):
    book(as_therapist, patient)
    response = book(as_therapist, patient, start="10:59", end="11:30")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "10:00" in response.json()["message"] and "11:00" in response.json()["message"]
    assert Session.objects.count() == 1


def test_cancelled_sessions_free_the_slot(as_therapist, patient):
    session_id = book(as_therapist, patient).json()["id"]
    assert (
        as_therapist.post(
            f"/api/sessions/{session_id}/cancel", {"reason": "Paciente enfermo"}, format="json"
        ).status_code
        == 200
    )
    assert book(as_therapist, patient).status_code == 201


def test_blocked_time_conflicts(as_therapist, patient, therapist_member):
    blocked = as_therapist.post(
        "/api/blocked-times",
        {
            "therapistId": str(therapist_member.user_id),
            "type": "lunch",
            "reason": "Almuerzo",
            "date": MONDAY,
            "startTime": "13:00",
            "endTime": "14:00",
        },
        format="json",
    )
    assert blocked.status_code == 201, blocked.json()
    response = book(as_therapist, patient, start="13:30", end="14:30")
    assert response.status_code == 409 and "13:00" in response.json()["message"]
    # A block may not cover an existing session either.
    book(as_therapist, patient, start="15:00", end="16:00")
    over = as_therapist.post(
        "/api/blocked-times",
        {"therapistId": str(therapist_member.user_id), "date": MONDAY, "startTime": "15:30", "endTime": "16:30"},
        format="json",
    )
    assert over.status_code == 409


def test_rescheduling_checks_overlaps(as_therapist, patient):
    book(as_therapist, patient)
    second = book(as_therapist, patient, start="12:00", end="13:00").json()
    moved = as_therapist.patch(
        f"/api/sessions/{second['id']}", {"startTime": "10:30", "endTime": "11:30"}, format="json"
    )
    assert moved.status_code == 409
    ok = as_therapist.patch(
        f"/api/sessions/{second['id']}", {"date": "2030-01-08", "startTime": "10:30", "duration": 45}, format="json"
    )
    assert ok.status_code == 200 and (ok.json()["date"], ok.json()["startTime"], ok.json()["endTime"]) == (
        "2030-01-08",
        "10:30",
        "11:15",
    )


@pytest.mark.resilience
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_for_overlapping_slots_cannot_both_succeed(therapist_member):
    patient = patient_for(therapist_member)
    token = login_tokens(therapist_member.user)["access_token"]
    barrier = threading.Barrier(2)
    results = []

    def attempt(start, end):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            results.append(book(client, patient, start=start, end=end).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=args) for args in (("10:00", "11:00"), ("10:30", "11:30"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [201, 409]
    assert Session.objects.count() == 1


# --- Availability ---------------------------------------------------------------------------


def test_outside_availability_needs_explicit_override(as_therapist, patient):
    saturday = "2030-01-12"
    response = book(as_therapist, patient, day=saturday)
    assert response.status_code == 409 and response.json()["code"] == "outside_availability"
    assert book(as_therapist, patient, day=MONDAY, start="18:00", end="19:00").status_code == 409
    assert book(as_therapist, patient, day=saturday, allowOutsideAvailability=True).status_code == 201


def test_recording_a_past_session_checks_overlaps_only(as_therapist, patient):
    response = as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "sessionDate": "2026-01-03",
            "sessionTime": "20:00",
            "sessionContent": "<p>x</p>",
        },
        format="json",
    )
    assert response.status_code == 201  # a Saturday night, outside availability


def test_weekly_schedule_rules(as_admin, as_therapist, as_assistant, therapist_member, admin_member, patient):
    url = f"/api/admin/team/{therapist_member.user_id}/schedule"
    default = as_therapist.get(url).json()
    assert default["monday"] == {"start": "09:00", "end": "18:00", "available": True}
    assert default["friday"] == {"start": "09:00", "end": "17:00", "available": True}
    assert default["saturday"]["available"] is False
    saturday = {"saturday": {"start": "10:00", "end": "14:00", "available": True}}
    assert as_therapist.put(url, saturday, format="json").json()["saturday"]["available"] is True
    assert book(as_therapist, patient, day="2030-01-12", start="10:00", end="11:00").status_code == 201
    assert (
        as_admin.put(url, {"monday": {"start": "08:00", "end": "12:00", "available": True}}, format="json").status_code
        == 200
    )
    assert (
        as_therapist.put(f"/api/admin/team/{admin_member.user_id}/schedule", saturday, format="json").status_code == 403
    )
    assert as_assistant.put(url, saturday, format="json").status_code == 403
    assert as_assistant.get(url).status_code == 200
    bad = as_admin.put(url, {"monday": {"start": "18:00", "end": "09:00", "available": True}}, format="json")
    assert bad.status_code == 400 and "monday.end" in bad.json()["errors"]


def test_free_slots(as_assistant, therapist_member, patient, as_therapist):
    book(as_therapist, patient, start="10:00", end="11:00")
    BlockedTime.objects.create(
        practice=therapist_member.practice,
        therapist=therapist_member.user,
        starts_at=datetime(2030, 1, 7, 13, 0, tzinfo=TZ),
        ends_at=datetime(2030, 1, 7, 14, 0, tzinfo=TZ),
    )
    response = as_assistant.get(
        "/api/availability", {"therapistId": str(therapist_member.user_id), "date": MONDAY, "duration": 60}
    )
    assert response.status_code == 200
    starts = [slot["startTime"] for slot in response.json()["slots"]]
    assert starts == ["09:00", "11:00", "11:30", "12:00", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00"]
    weekend = as_assistant.get(
        "/api/availability", {"therapistId": str(therapist_member.user_id), "date": "2030-01-12"}
    )
    assert weekend.json()["slots"] == []
    assert as_assistant.get("/api/availability", {"therapistId": "x", "date": MONDAY}).status_code == 400


# --- DST ------------------------------------------------------------------------------------


def test_weekly_series_keeps_wall_clock_time_across_both_dst_changes(as_therapist, patient):
    april = as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "date": "2026-03-23",
            "startTime": "10:00",
            "duration": 60,
            "allowOutsideAvailability": True,
            "recurrence": {"frequency": "weekly", "count": 4},
        },
        format="json",
    )
    assert april.status_code == 201, april.json()
    created = april.json()["created"]
    assert [(s["date"], s["startTime"], s["endTime"]) for s in created] == [
        ("2026-03-23", "10:00", "11:00"),
        ("2026-03-30", "10:00", "11:00"),
        ("2026-04-06", "10:00", "11:00"),
        ("2026-04-13", "10:00", "11:00"),
    ]
    utc_hours = [s.starts_at.astimezone(ZoneInfo("UTC")).hour for s in Session.objects.order_by("starts_at")]
    assert utc_hours == [13, 13, 14, 14]  # UTC-3 before 5 April, UTC-4 after
    september = as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "date": "2026-08-31",
            "startTime": "10:00",
            "allowOutsideAvailability": True,
            "recurrence": {"frequency": "weekly", "count": 2},
        },
        format="json",
    ).json()
    assert [s["startTime"] for s in september["created"]] == ["10:00", "10:00"]


def test_a_session_across_the_april_change_lasts_its_real_duration(as_therapist, patient):
    # 23:30 on 4 April plus 60 minutes: the clock goes back at midnight, so it ends at 23:30 again.
    response = as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "date": "2026-04-04",
            "startTime": "23:30",
            "duration": 60,
            "allowOutsideAvailability": True,
        },
        format="json",
    )
    assert response.status_code == 201
    session = Session.objects.get()
    assert session.ends_at - session.starts_at == timedelta(minutes=60)
    assert response.json()["duration"] == 60


def test_times_skipped_by_the_september_change_are_refused(as_therapist, patient):
    response = as_therapist.post(
        "/api/sessions",
        {"patientId": str(patient.id), "date": "2026-09-06", "startTime": "00:30", "allowOutsideAvailability": True},
        format="json",
    )
    assert response.status_code == 400 and "startTime" in response.json()["errors"]


# --- Recurrence -----------------------------------------------------------------------------


def test_series_skips_and_reports_conflicting_dates(as_therapist, patient):
    book(as_therapist, patient, day="2030-01-14", start="10:30", end="11:30")
    response = as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "date": MONDAY,
            "startTime": "10:00",
            "recurrence": {"frequency": "weekly", "until": "2030-01-28"},
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert [s["date"] for s in body["created"]] == ["2030-01-07", "2030-01-21", "2030-01-28"]
    assert [s["date"] for s in body["skipped"]] == ["2030-01-14"] and "10:30" in body["skipped"][0]["reason"]
    biweekly = as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "date": MONDAY,
            "startTime": "15:00",
            "recurrence": {"frequency": "biweekly", "count": 3},
        },
        format="json",
    ).json()
    assert [s["date"] for s in biweekly["created"]] == ["2030-01-07", "2030-01-21", "2030-02-04"]


@pytest.mark.parametrize(
    "recurrence", [{"frequency": "daily", "count": 2}, {"frequency": "weekly"}, {"frequency": "weekly", "count": 99}]
)
def test_series_bad_input(as_therapist, patient, recurrence):
    response = as_therapist.post(
        "/api/sessions",
        {"patientId": str(patient.id), "date": MONDAY, "startTime": "10:00", "recurrence": recurrence},
        format="json",
    )
    assert response.status_code == 400 and any(k.startswith("recurrence") for k in response.json()["errors"])
    assert not Session.objects.exists()


def test_this_and_following_edit_and_cancel(as_therapist, patient):
    created = as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "date": MONDAY,
            "startTime": "10:00",
            "recurrence": {"frequency": "weekly", "count": 4},
        },
        format="json",
    ).json()["created"]
    third = created[2]["id"]
    moved = as_therapist.patch(
        f"/api/sessions/{created[1]['id']}?scope=following", {"startTime": "15:00", "title": "Tarde"}, format="json"
    )
    assert moved.status_code == 200, moved.json()
    times = [(s.starts_at.astimezone(TZ).strftime("%d %H:%M"), s.title) for s in Session.objects.order_by("starts_at")]
    assert times == [("07 10:00", ""), ("14 15:00", "Tarde"), ("21 15:00", "Tarde"), ("28 15:00", "Tarde")]
    cancelled = as_therapist.post(
        f"/api/sessions/{third}/cancel", {"scope": "following", "reason": "Alta"}, format="json"
    )
    assert cancelled.status_code == 200
    assert list(Session.objects.order_by("starts_at").values_list("status", flat=True)) == [
        "scheduled",
        "scheduled",
        "cancelled",
        "cancelled",
    ]


# --- Status ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action, status", [("complete", "completed"), ("cancel", "cancelled"), ("no-show", "no-show")])
def test_status_actions(as_therapist, patient, action, status):
    session_id = book(as_therapist, patient).json()["id"]
    response = as_therapist.post(f"/api/sessions/{session_id}/{action}")
    assert response.status_code == 200 and response.json()["status"] == status
    again = as_therapist.post(f"/api/sessions/{session_id}/complete")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_delete_cancels_instead_of_destroying(as_therapist, patient):
    session_id = book(as_therapist, patient).json()["id"]
    assert as_therapist.delete(f"/api/sessions/{session_id}").json()["status"] == "cancelled"
    assert Session.objects.filter(pk=session_id).exists()


# --- Roles ----------------------------------------------------------------------------------


def test_assistant_schedules_but_never_sees_notes(as_assistant, therapist_member, patient):
    response = book(as_assistant, patient, therapistId=str(therapist_member.user_id), notes="Trae exámenes")
    assert response.status_code == 201, response.json()
    assert "notes" not in response.json()
    listed = as_assistant.get("/api/sessions", {"start": MONDAY, "end": "2030-01-08"}).json()["data"]
    assert len(listed) == 1 and "notes" not in listed[0] and listed[0]["patientName"] == patient.name
    assert book(as_assistant, patient).status_code == 400  # an assistant must say for whom


def test_therapist_cannot_move_another_therapists_session_unless_admin(
    as_therapist, as_admin, practice, therapist_member
):
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)
    theirs = patient_for(colleague)
    session_id = book(as_admin, theirs, therapistId=str(colleague.user_id), notes="nota").json()["id"]
    assert as_therapist.patch(f"/api/sessions/{session_id}", {"startTime": "15:00"}, format="json").status_code == 403
    assert as_therapist.post(f"/api/sessions/{session_id}/cancel").status_code == 403
    assert as_admin.patch(f"/api/sessions/{session_id}", {"startTime": "15:00"}, format="json").status_code == 200
    # The therapist still sees it on the calendar, with name and time only.
    event = as_therapist.get("/api/sessions", {"start": MONDAY, "end": "2030-01-08"}).json()["data"][0]
    assert event["patientName"] == theirs.name and event["startTime"] == "15:00"
    assert "notes" not in event and "title" not in event and "location" not in event


def test_therapists_cannot_book_for_colleagues(as_therapist, practice, patient):
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)
    assert book(as_therapist, patient, therapistId=str(colleague.user_id)).status_code == 403


def test_calendar_requires_token_and_scopes_practice(api, as_other_admin, as_therapist, patient):
    book(as_therapist, patient)
    assert api.get("/api/sessions", {"start": MONDAY, "end": "2030-01-08"}).status_code == 401
    assert as_other_admin.get("/api/sessions", {"start": MONDAY, "end": "2030-01-08"}).json()["data"] == []
    session_id = Session.objects.get().id
    assert as_other_admin.post(f"/api/sessions/{session_id}/cancel").status_code == 404


# --- Calendar list --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "start"),
        ({"start": MONDAY}, "end"),
        ({"start": MONDAY, "end": "2030-06-01"}, "end"),
        ({"start": "2030-01-08", "end": MONDAY}, "end"),
        ({"start": MONDAY, "end": "2030-01-08", "status": "done"}, "status.0"),
        ({"start": "mañana", "end": "2030-01-08"}, "start"),
    ],
)
def test_calendar_window_validation(as_admin, params, field):
    response = as_admin.get("/api/sessions", params)
    assert response.status_code == 400 and field in response.json()["errors"], response.json()


def test_calendar_filters_and_constant_queries(as_admin, admin_member, practice, django_assert_max_num_queries):
    therapists = [MembershipFactory(practice=practice, role=Role.THERAPIST) for _ in range(3)]
    for member in therapists:
        patient = patient_for(member)
        for day in range(7, 12):
            for hour in (9, 11, 14):
                Session.objects.create(
                    practice=practice,
                    patient=patient,
                    therapist=member.user,
                    status="completed" if hour == 9 else "scheduled",
                    starts_at=datetime(2030, 1, day, hour, tzinfo=TZ),
                    ends_at=datetime(2030, 1, day, hour + 1, tzinfo=TZ),
                )
    window = {"start": "2030-01-06T00:00:00-03:00", "end": "2030-01-13T00:00:00-03:00"}
    with django_assert_max_num_queries(2):
        everything = as_admin.get("/api/sessions", window)
    assert len(everything.json()["data"]) == 45
    query = f"start={window['start'].replace('+', '%2B')}&end=2030-01-13&therapistId={therapists[0].user_id}&therapistId={therapists[1].user_id}&status=completed"  # noqa: E501
    filtered = as_admin.get(f"/api/sessions?{query}").json()["data"]
    assert len(filtered) == 10 and {e["status"] for e in filtered} == {"completed"}
    assert {e["therapistColor"] for e in filtered} == {therapists[0].color, therapists[1].color}


@pytest.mark.parametrize("role", ["admin", "therapist", "assistant"])
def test_calendar_events_match_the_session_serializer_for_every_role(
    request, role, practice, admin_member, therapist_member, assistant_member
):
    """The calendar's fast path (tuples to wire dicts, orjson) answers exactly what
    CalendarSessionSerializer + the camelCase renderer would, including limited events."""
    member = {"admin": admin_member, "therapist": therapist_member, "assistant": assistant_member}[role]
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)
    own, theirs = patient_for(therapist_member, name="Ñandú Pérez"), patient_for(colleague)
    signer = therapist_member.user
    for n, (patient, therapist) in enumerate(
        [(own, therapist_member.user), (theirs, colleague.user), (own, therapist_member.user)]
    ):
        Session.objects.create(
            practice=practice,
            patient=patient,
            therapist=therapist,
            title=f"Sesión {n}",
            location="Box 2",
            notes="Nota breve",
            starts_at=datetime(2030, 1, 7, 9 + 2 * n, 15, tzinfo=TZ),
            ends_at=datetime(2030, 1, 7, 10 + 2 * n, tzinfo=TZ),
            signed_at=datetime(2030, 1, 7, 12, tzinfo=ZoneInfo("UTC")) if n == 0 else None,
            signed_by=signer if n == 0 else None,
            cancel_reason="Viaje" if n == 2 else "",
            status="cancelled" if n == 2 else "scheduled",
        )
    answered = (
        request.getfixturevalue(f"as_{role}")
        .get("/api/sessions", {"start": "2030-01-07", "end": "2030-01-08"})
        .json()["data"]
    )

    context = {
        "membership": member,
        "tz": practice.timezone,
        "record_patient_ids": selectors.record_patient_ids(member),
    }
    start, end = datetime(2030, 1, 7, tzinfo=TZ), datetime(2030, 1, 8, tzinfo=TZ)
    expected = camelize(
        CalendarSessionSerializer(
            selectors.calendar(membership=member, start=start, end=end), many=True, context=context
        ).data
    )
    assert len(answered) == 3
    assert answered == expected
    limited = [e for e in answered if e["patientId"] == str(theirs.id)][0]
    # a therapist sees a colleague's patient as name and time; assistants see the appointment whole, minus clinical notes
    assert ("notes" in limited) is (role == "admin") and ("title" in limited) is (role != "therapist")


@pytest.mark.parametrize("role", ["admin", "therapist", "assistant"])
def test_a_window_of_many_events_is_streamed_a_batch_at_a_time_with_the_same_bytes(
    request, role, settings, practice, therapist_member, django_assert_max_num_queries
):
    """Over CALENDAR_STREAM_AFTER events the answer is streamed, CALENDAR_BATCH_ROWS events made
    into Python at a time (a large practice's month is ~4 MB): the bytes are those of the answer
    built whole, limited events included, in the same queries (the caller, a therapist's care
    team, the window)."""
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)
    own, theirs = patient_for(therapist_member), patient_for(colleague)
    for n in range(42):  # 6 batches of 7, then an empty fetch
        starts = datetime(2030, 1, 7 + n // 9, 8 + n % 9, tzinfo=TZ)
        therapist = therapist_member.user if n % 2 else colleague.user
        Session.objects.create(
            practice=practice,
            patient=own if n % 2 else theirs,
            therapist=therapist,
            notes=f"Nota {n}",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=50),
        )
    client = request.getfixturevalue(f"as_{role}")
    window = {"start": "2030-01-07", "end": "2030-01-14"}
    settings.CALENDAR_BATCH_ROWS = 7
    whole = client.get("/api/sessions", window)
    assert not whole.streaming and len(whole.json()["data"]) == 42

    settings.CALENDAR_STREAM_AFTER = 41
    with django_assert_max_num_queries(3):
        streamed = client.get("/api/sessions", window)
        chunks = list(streamed.streaming_content)
    assert streamed.status_code == 200 and streamed["Content-Type"] == "application/json"
    assert len(chunks) == 2 + 6  # the opening, a chunk per batch, the pagination
    assert b"".join(chunks) == whole.content
    body = orjson.loads(b"".join(chunks))
    assert body["pagination"] == {"page": 1, "limit": 42, "total": 42, "totalPages": 1}
    limited = [e for e in body["data"] if e["patientId"] == str(theirs.id)]
    assert len(limited) == 21 and all(("notes" in e) is (role == "admin") for e in limited)

    settings.CALENDAR_STREAM_AFTER = 42  # at the threshold: answered whole
    assert not client.get("/api/sessions", window).streaming
    empty = {"start": "2031-01-07", "end": "2031-01-14"}
    settings.CALENDAR_STREAM_AFTER = -1  # nothing in the window: an empty streamed list is valid JSON
    assert orjson.loads(b"".join(client.get("/api/sessions", empty).streaming_content))["data"] == []


def test_overlap_bound_keeps_long_sessions_that_started_before_the_window(as_admin, practice, therapist_member):
    patient = patient_for(therapist_member)
    window_start = datetime(2030, 1, 8, 0, 0, tzinfo=TZ)
    for starts, hours in [(window_start - timedelta(hours=11, minutes=59), 12), (window_start - timedelta(hours=1), 1)]:
        Session.objects.create(
            practice=practice,
            patient=patient,
            therapist=therapist_member.user,
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
        )
    events = as_admin.get("/api/sessions", {"start": "2030-01-08", "end": "2030-01-09"}).json()["data"]
    assert [(e["date"], e["startTime"], e["duration"]) for e in events] == [("2030-01-07", "12:01", 720)]


def test_sessions_longer_than_twelve_hours_are_refused(as_therapist, patient):
    response = book(as_therapist, patient, start="06:00", end="18:01", allowOutsideAvailability=True)
    assert response.status_code == 400 and "12 horas" in response.json()["errors"]["endTime"][0]
    as_therapist.user.profile.language = "en"  # a signed-in user's own language decides
    as_therapist.user.profile.save()
    english = as_therapist.post(
        "/api/sessions",
        {"patientId": str(patient.id), "date": MONDAY, "startTime": "06:00", "endTime": "18:01"},
        format="json",
    )
    assert english.json()["message"] == "A session cannot last more than 12 hours"
    as_therapist.user.profile.language = "es"
    as_therapist.user.profile.save()
    response = as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "start": "2030-01-07T08:00:00-03:00",
            "end": "2030-01-08T08:00:00-03:00",
            "allowOutsideAvailability": True,
        },
        format="json",
    )
    assert response.status_code == 400 and not Session.objects.exists()
    assert book(as_therapist, patient, start="06:00", end="18:00", allowOutsideAvailability=True).status_code == 201
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
    ):  # the database holds the bound the overlap queries rely on
        Session.objects.filter(patient=patient).update(ends_at=datetime(2030, 1, 7, 18, 1, tzinfo=TZ))


def test_therapists_resource_list(as_assistant, admin_member, therapist_member, assistant_member):
    response = as_assistant.get("/api/therapists")
    assert response.status_code == 200
    ids = {t["id"] for t in response.json()}
    assert ids == {str(admin_member.user_id), str(therapist_member.user_id)}
    assert set(response.json()[0]) >= {"id", "name", "email", "color"}


# --- Blocked times --------------------------------------------------------------------------


def test_blocked_times_crud_and_rules(
    as_therapist, as_assistant, as_admin, as_other_admin, therapist_member, admin_member
):
    payload = {
        "therapistId": str(therapist_member.user_id),
        "type": "meeting",
        "reason": "Reunión de equipo",
        "date": MONDAY,
        "startTime": "12:00",
        "endTime": "13:00",
    }
    created = as_assistant.post("/api/blocked-times", payload, format="json")
    assert created.status_code == 201
    assert created.json()["therapistName"] == therapist_member.user.name and created.json()["startTime"] == "12:00"
    listed = as_therapist.get(
        "/api/blocked-times", {"therapistId": str(therapist_member.user_id), "start": MONDAY}
    ).json()
    assert listed["pagination"]["total"] == 1
    # Therapists block only their own time.
    assert (
        as_therapist.post(
            "/api/blocked-times", {**payload, "therapistId": str(admin_member.user_id)}, format="json"
        ).status_code
        == 403
    )
    bad = as_admin.post("/api/blocked-times", {**payload, "type": "siesta", "endTime": "11:00"}, format="json")
    assert bad.status_code == 400 and "type" in bad.json()["errors"]
    blocked_id = created.json()["id"]
    assert as_other_admin.delete(f"/api/blocked-times/{blocked_id}").status_code == 404
    assert as_therapist.delete(f"/api/blocked-times/{blocked_id}").status_code == 204
    assert not BlockedTime.objects.exists()


# --- Settings -------------------------------------------------------------------------------


def test_calendar_settings(as_admin, as_therapist):
    defaults = as_therapist.get("/api/admin/calendar/settings").json()
    assert defaults == {
        "showPatientName": True,
        "showTherapistName": True,
        "showSessionType": True,
        "showDuration": True,
        "showNotes": False,
        "showStatus": True,
        "defaultView": "week",
        "patientReminders": False,
    }
    assert as_therapist.put("/api/admin/calendar/settings", {"showNotes": True}, format="json").status_code == 403
    updated = as_admin.put(
        "/api/admin/calendar/settings", {"showNotes": True, "defaultView": "month"}, format="json"
    ).json()
    assert updated["showNotes"] is True and updated["defaultView"] == "month"
    assert as_admin.put("/api/admin/calendar/settings", {"defaultView": "year"}, format="json").status_code == 400


# --- iCal -----------------------------------------------------------------------------------


def test_ical_feed_shows_initials_only_and_rotates(as_therapist, api, patient, therapist_member):
    therapist_member.user.name = "Ana Soto"  # a random name could share a word with the patient's
    therapist_member.user.save(update_fields=["name"])
    now = datetime.now(TZ) + timedelta(days=2)
    as_therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "date": now.date().isoformat(),
            "startTime": "21:00",
            "notes": "Confidencial",
            "title": "Sesión de Pérez",
            "allowOutsideAvailability": True,
        },
        format="json",
    )
    assert as_therapist.get("/api/calendar/feed").json()["active"] is False
    url = as_therapist.post("/api/calendar/feed").json()["url"]
    response = api.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1 and str(events[0]["SUMMARY"]) == "Sesión M.J.P."
    body = response.content.decode()
    assert "María" not in body and "Pérez" not in body and "Confidencial" not in body
    new_url = as_therapist.post("/api/calendar/feed").json()["url"]
    assert api.get(url).status_code == 404 and api.get(new_url).status_code == 200
    other = url.replace(str(therapist_member.user_id), "00000000-0000-0000-0000-000000000000")
    assert api.get(other).status_code == 404
    assert as_therapist.delete("/api/calendar/feed").status_code == 204 and api.get(new_url).status_code == 404


def test_ical_feed_is_for_clinicians(as_assistant, api):
    assert as_assistant.post("/api/calendar/feed").status_code == 403
    assert api.post("/api/calendar/feed").status_code == 401


# --- Reminders ------------------------------------------------------------------------------


@pytest.fixture
def tomorrow_session(therapist_member, patient):
    starts = datetime.now(TZ).replace(microsecond=0) + timedelta(hours=20)
    return Session.objects.create(
        practice=therapist_member.practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status="scheduled",
    )


def test_reminders_are_sent_once(tomorrow_session, patient, run_jobs):
    patient.email = "maria@correo.cl"
    patient.save()
    call_command("send_session_reminders")
    call_command("send_session_reminders", "--hours", "24")
    run_jobs()
    assert [m.to for m in mail.outbox] == [[tomorrow_session.therapist.email]]
    CalendarSettings.objects.create(practice=tomorrow_session.practice, patient_reminders=True)
    call_command("send_session_reminders")
    call_command("send_session_reminders")
    run_jobs()
    assert [m.to for m in mail.outbox][1:] == [["maria@correo.cl"]]
    assert (
        "recordatorio de sesión" in mail.outbox[1].subject and tomorrow_session.practice.name in mail.outbox[1].subject
    )
    assert "María José Pérez" in mail.outbox[1].body


def test_reminders_respect_the_therapist_preference(tomorrow_session, run_jobs):
    profile = tomorrow_session.therapist.profile
    profile.notify_appointments = False
    profile.save()
    call_command("send_session_reminders")
    run_jobs()
    assert mail.outbox == []


def test_rescheduled_sessions_are_reminded_again(tomorrow_session, run_jobs):
    call_command("send_session_reminders")
    tomorrow_session.starts_at += timedelta(hours=1)
    tomorrow_session.ends_at += timedelta(hours=1)
    tomorrow_session.save()
    call_command("send_session_reminders")
    run_jobs()
    assert len(mail.outbox) == 2


@pytest.mark.resilience
@pytest.mark.django_db(transaction=True)
def test_concurrent_reminder_runs_send_once(therapist_member, run_jobs):
    patient = patient_for(therapist_member)
    starts = datetime.now(TZ) + timedelta(hours=3)
    Session.objects.create(
        practice=therapist_member.practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    barrier = threading.Barrier(4)

    def run():
        barrier.wait()
        try:
            call_command("send_session_reminders")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    run_jobs()
    assert len(mail.outbox) == 1 and SessionReminder.objects.count() == 1


# --- Dashboard ------------------------------------------------------------------------------


def test_dashboard_numbers_against_a_hand_built_dataset(therapist_member, practice):
    now = datetime(2030, 1, 9, 12, 0, tzinfo=TZ)  # Wednesday
    mine = [patient_for(therapist_member) for _ in range(4)]
    Patient.objects.filter(pk=mine[3].pk).update(status="inactive")
    Patient.objects.filter(pk__in=[mine[0].pk, mine[1].pk, mine[3].pk]).update(
        created_at=datetime(2029, 12, 1, tzinfo=TZ)
    )
    Patient.objects.filter(pk=mine[2].pk).update(created_at=datetime(2030, 1, 3, tzinfo=TZ))  # new this month
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)
    other = patient_for(colleague)

    def session(patient, therapist, day, hour, status="completed"):
        return Session.objects.create(
            practice=practice,
            patient=patient,
            therapist=therapist,
            status=status,
            starts_at=datetime(2030, 1, day, hour, tzinfo=TZ),
            ends_at=datetime(2030, 1, day, hour + 1, tzinfo=TZ),
        )

    session(mine[0], therapist_member.user, 7, 10)  # this week
    session(mine[1], therapist_member.user, 8, 10)  # this week
    session(mine[1], therapist_member.user, 10, 10, "scheduled")  # this week, upcoming
    session(mine[2], therapist_member.user, 11, 10, "cancelled")  # not counted
    session(mine[0], therapist_member.user, 14, 10, "scheduled")  # next week, upcoming (within 7 days)
    session(mine[0], therapist_member.user, 2, 10)  # last week
    session(other, colleague.user, 8, 12)  # a colleague's: not the therapist's numbers
    result = dashboard(membership=therapist_member, now=now)
    assert result["active_patients"] == {"value": 3, "change": 1, "trend": "up"}
    assert result["sessions_this_week"] == {"value": 3, "previous": 1, "change_percent": 200.0, "trend": "up"}
    assert result["upcoming_appointments"] == 2
    activity = [(a["type"], a["at"].astimezone(TZ).strftime("%d %H:%M")) for a in result["recent_activity"]]
    assert activity[:3] == [("session", "08 11:00"), ("session", "07 11:00"), ("session", "02 11:00")]
    admin_view = dashboard(membership=MembershipFactory(practice=practice, role=Role.ADMIN), now=now)
    assert admin_view["sessions_this_week"]["value"] == 4 and admin_view["active_patients"]["value"] == 4


def test_dashboard_endpoint(as_therapist, patient, django_assert_max_num_queries):
    book(as_therapist, patient, day=(date.today() + timedelta(days=1)).isoformat(), allowOutsideAvailability=True)
    # auth, patients, sessions, two activity lists, reports count, AI usage, latest reports
    with django_assert_max_num_queries(8):
        response = as_therapist.get("/api/dashboard")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "activePatients",
        "sessionsThisWeek",
        "reportsThisMonth",
        "timeSavedThisWeek",
        "upcomingAppointments",
        "recentActivity",
    }
    assert body["upcomingAppointments"] == 1
    assert (
        body["recentActivity"][0]["type"] == "appointment" and body["recentActivity"][0]["patientName"] == patient.name
    )


def test_dashboard_requires_token(api):
    assert api.get("/api/dashboard").status_code == 401


def test_conflict_message_in_english(as_therapist, patient):
    book(as_therapist, patient)
    as_therapist.user.profile.language = "en"
    as_therapist.user.profile.save()
    response = as_therapist.post(
        "/api/sessions", {"patientId": str(patient.id), "date": MONDAY, "startTime": "10:30"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["message"].startswith("The therapist already has a session from 10:00 to 11:00")


def test_blocked_time_list_query_count_is_constant(as_admin, practice, django_assert_max_num_queries):
    members = [MembershipFactory(practice=practice, role=Role.THERAPIST) for _ in range(3)]
    for member in members:
        for day in range(1, 11):
            BlockedTime.objects.create(
                practice=practice,
                therapist=member.user,
                starts_at=datetime(2030, 2, day, 13, tzinfo=TZ),
                ends_at=datetime(2030, 2, day, 14, tzinfo=TZ),
            )
    with django_assert_max_num_queries(3):  # auth, count, page (therapist names joined)
        response = as_admin.get("/api/blocked-times", {"limit": 100})
    assert response.json()["pagination"]["total"] == 30 and response.json()["data"][0]["therapistName"]


def test_an_ical_link_may_expire_and_shows_its_last_use(as_therapist, api):
    before = timezone.now()
    created = as_therapist.post("/api/calendar/feed", {"expiresInDays": 30}, format="json").json()
    assert created["active"] is True and created["lastUsedAt"] is None
    # the instant, not its date: between 21:00 and midnight in Santiago the UTC date is a day on
    expires = datetime.fromisoformat(created["expiresAt"])
    assert before + timedelta(days=30) <= expires <= timezone.now() + timedelta(days=30)
    path = created["url"].split("testserver")[-1]
    assert api.get(path).status_code == 200
    assert as_therapist.get("/api/calendar/feed").json()["lastUsedAt"] is not None
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(days=31)):
        assert api.get(path).status_code == 404
    CalendarFeed.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert as_therapist.get("/api/calendar/feed").json()["active"] is False
    assert as_therapist.post("/api/calendar/feed", {"expiresInDays": 0}, format="json").status_code == 400
    assert (
        as_therapist.post("/api/calendar/feed", {}, format="json").json()["expiresAt"] is None
    )  # no expiry unless asked


def test_a_reminder_comes_from_the_practice_says_when_it_moved_and_escapes_nothing_in_text(tomorrow_session, run_jobs):
    practice = tomorrow_session.practice
    practice.name = 'Centro "Los Aromos" & Cía'
    practice.save()
    call_command("send_session_reminders")
    tomorrow_session.starts_at += timedelta(hours=1)
    tomorrow_session.ends_at += timedelta(hours=1)
    tomorrow_session.save()
    call_command("send_session_reminders")
    run_jobs()
    first, moved = mail.outbox
    assert (
        str(make_header(decode_header(first.from_email)))
        == 'Centro "Los Aromos" & Cía vía SessAI <no-reply@sessai.local>'
    )

    assert 'Centro "Los Aromos" & Cía' in first.subject and "&amp;" not in first.body and "&quot;" not in first.body
    assert "La hora cambió" not in first.body and "La hora cambió: antes era el" in moved.body
    assert "Si no solicitaste" not in first.body and "Recibes este recordatorio" in first.body


def test_the_reminders_switch_is_read(tomorrow_session, run_jobs):
    profile = tomorrow_session.therapist.profile
    profile.notify_reminders = False
    profile.save()
    call_command("send_session_reminders")
    run_jobs()
    assert mail.outbox == []
