"""Patients' pages: the reminder's confirm/cancel link, online booking with an emailed code, the
wait-list and its claim link; the practice's API for them. Real HTTP through Django's test client."""

import io
import re
import threading
from datetime import datetime, time, timedelta
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import OutgoingEmail
from accounts.page_urls import urlpatterns as account_pages
from accounts.tests.factories import MembershipFactory
from accounts.validators import RESERVED_SLUGS
from ai_reports.page_urls import urlpatterns as ai_pages
from patients.page_urls import urlpatterns as patient_pages
from patients.tests.factories import patient_for
from scheduling import links
from scheduling.booking import services as booking
from scheduling.models import (
    AvailabilityDay,
    BlockedTime,
    BookingSettings,
    CalendarSettings,
    EmailCode,
    Session,
    WaitlistEntry,
    WaitlistOffer,
)
from scheduling.page_urls import urlpatterns as scheduling_pages
from scheduling.services.reminders import send_due_reminders
from sessai import scope
from sessai.errors import Conflict
from sessai.tests.a11y import invalid_fields_marked, violations
from sessai.tests.workers import jobs

TZ = ZoneInfo("America/Santiago")
VALID_RUT, OTHER_RUT = "12.345.678-5", "11.111.111-1"


def open_all_week(membership):
    for weekday in range(7):
        AvailabilityDay.objects.update_or_create(
            membership=membership, weekday=weekday, defaults={"start": time(8), "end": time(20), "available": True}
        )


@pytest.fixture
def booking_on(practice, therapist_member):
    practice.slug = "centro-ejemplo"
    practice.save()
    open_all_week(therapist_member)
    BookingSettings.objects.update_or_create(practice=practice, defaults={"enabled": True, "lead_time_hours": 2})
    return practice


@pytest.fixture
def patient(therapist_member):
    return patient_for(therapist_member, name="María José Pérez", email="maria@correo.cl", rut="123456785")


def appointment_at(therapist_member, patient, hours_ahead=48, **extra):
    starts = (timezone.now() + timedelta(hours=hours_ahead)).replace(second=0, microsecond=0)
    return Session.objects.create(
        practice=therapist_member.practice,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=50),
        status="scheduled",
        **extra,
    )


def link_path(session) -> str:
    return links.appointment_link(session).removeprefix("http://localhost:3001")


def accessible(response):
    html = response.content.decode()
    assert violations(html) == [], violations(html)
    return html


def emails(template):
    return list(OutgoingEmail.objects.filter(template=template).order_by("created_at"))


# --- The reminder's link -----------------------------------------------------------------------


def test_the_patient_reminder_carries_the_appointment_link(therapist_member, patient):
    CalendarSettings.objects.update_or_create(practice=therapist_member.practice, defaults={"patient_reminders": True})
    session = appointment_at(therapist_member, patient, hours_ahead=20)
    send_due_reminders(hours=24)
    reminder = OutgoingEmail.objects.get(template="session_reminder", to="maria@correo.cl")
    link = re.search(r"http://localhost:3001(/p/cita/\S+)", reminder.text).group(1)
    assert link in reminder.html
    page = Client().get(link)
    assert page.status_code == 200 and session.therapist.name in page.content.decode()
    therapist_copy = OutgoingEmail.objects.get(template="session_reminder", to=therapist_member.user.email)
    assert "/p/cita/" not in therapist_copy.text  # the therapist's reminder has no patient link


def test_confirm_then_cancel_from_the_link(therapist_member, patient, django_capture_on_commit_callbacks):
    session = appointment_at(therapist_member, patient)
    client = Client()
    page = client.get(link_path(session))
    html = accessible(page)
    assert "María José Pérez" in html and "Confirmar asistencia" in html and "Cancelar la cita" in html
    assert page["Cache-Control"] == "no-store" and page["X-Robots-Tag"] == "noindex"

    confirmed = client.post(link_path(session), {"action": "confirm"})
    assert confirmed.status_code == 200 and "quedó confirmada" in confirmed.content.decode()
    session.refresh_from_db()
    assert session.confirmation_status == "confirmed" and session.confirmation_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post(link_path(session), {"action": "cancel"})
    assert cancelled.status_code == 200 and "fue cancelada" in cancelled.content.decode()
    session.refresh_from_db()
    assert (session.status, session.confirmation_status) == ("cancelled", "cancelled_by_patient")
    notice = emails("patient_cancelled")
    assert [e.to for e in notice] == [therapist_member.user.email] and "María José Pérez" in notice[0].subject
    assert [j["task_name"] for j in jobs(task_name="scheduling.tasks.waitlist_offer")] == [
        "scheduling.tasks.waitlist_offer"
    ]

    again = client.post(link_path(session), {"action": "cancel"})  # double submit
    assert again.status_code == 409 and "ya no está programada" in again.content.decode()
    assert len(emails("patient_cancelled")) == 1


def test_the_calendar_shows_the_patients_answer(as_therapist, therapist_member, patient):
    session = appointment_at(therapist_member, patient)
    booking.appointment_confirm(session)
    day = session.starts_at.astimezone(TZ).date()
    events = as_therapist.get(f"/api/sessions?start={day}&end={day + timedelta(days=1)}").json()["data"]
    event = next(e for e in events if e["id"] == str(session.id))
    assert event["confirmationStatus"] == "confirmed" and event["confirmationAt"] and event["source"] == "staff"
    detail = as_therapist.get(f"/api/sessions/{session.id}").json()
    assert (detail["confirmationStatus"], detail["awaitingApproval"]) == ("confirmed", False)


def test_after_the_cancellation_window_the_page_says_to_call(therapist_member, patient, practice):
    practice.phone = "+56 2 2345 6789"
    practice.save()
    session = appointment_at(therapist_member, patient, hours_ahead=5)  # the default window is 24 h
    page = Client().get(link_path(session))
    html = accessible(page)
    assert "Cancelar la cita" not in html and "llama a la consulta" in html and "+56 2 2345 6789" in html
    refused = Client().post(link_path(session), {"action": "cancel"})
    assert refused.status_code == 409 and "plazo para cancelar" in refused.content.decode()
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_tampered_and_expired_links(therapist_member, patient):
    session = appointment_at(therapist_member, patient)
    tampered = Client().get(link_path(session)[:-3] + "xyz")
    assert tampered.status_code == 400 and "no es válido" in tampered.content.decode()
    past = appointment_at(therapist_member, patient, hours_ahead=-3)
    expired = Client().get(link_path(past))
    assert expired.status_code == 400 and "expiró" in expired.content.decode()
    forged = signing.dumps(str(session.pk), salt="another.purpose")
    assert Client().get(f"/p/cita/{forged}").status_code == 400


def test_pages_escape_what_patients_typed(therapist_member):
    hostile = patient_for(therapist_member, name="<script>alert(1)</script>")
    session = appointment_at(therapist_member, hostile)
    html = Client().get(link_path(session)).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_cancel_post_needs_the_pages_csrf_token(therapist_member, patient):
    session = appointment_at(therapist_member, patient)
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post(link_path(session), {"action": "cancel"})
    html = refused.content.decode()
    assert refused.status_code == 403 and "No pudimos recibir el formulario" in html and "cookie" in html
    assert f'href="{link_path(session)}"' in html  # the way back: the same page, which shows the form again
    session.refresh_from_db()
    assert session.status == "scheduled"


def _form_token(client, path) -> str:
    page = client.get(path)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def test_a_post_with_origin_null_is_refused_and_the_pages_own_origin_passes(therapist_member, patient):
    """What a browser sends decides it: under a `no-referrer` policy a form POST carries
    `Origin: null`, which Django's CSRF check refuses; the pages now ask for `same-origin`, so the
    browser sends their own origin. Pinned at the HTTP level, without a browser."""
    session = appointment_at(therapist_member, patient)
    strict = Client(enforce_csrf_checks=True)
    token = _form_token(strict, link_path(session))
    assert '<meta name="referrer" content="same-origin">' in strict.get(link_path(session)).content.decode()

    refused = strict.post(link_path(session), {"action": "confirm", "csrfmiddlewaretoken": token}, HTTP_ORIGIN="null")
    assert refused.status_code == 403 and "desde esta página" in refused.content.decode()
    session.refresh_from_db()
    assert session.confirmation_status != "confirmed"

    passed = strict.post(
        link_path(session), {"action": "confirm", "csrfmiddlewaretoken": token}, HTTP_ORIGIN="http://testserver"
    )
    assert passed.status_code == 200 and "quedó confirmada" in passed.content.decode()
    session.refresh_from_db()
    assert session.confirmation_status == "confirmed"


# --- Online booking ----------------------------------------------------------------------------


def first_slot(client, practice, therapist_member):
    page = client.get(f"/p/{practice.slug}/reservar?profesional={therapist_member.user_id}")
    assert page.status_code == 200
    accessible(page)
    href = re.search(r'href="(/p/[^"]+/reservar/datos\?[^"]+)"', page.content.decode()).group(1)
    return href.replace("&amp;", "&")


def request_code(client, details_path, **data):
    form = {
        "name": "Camila Rojas",
        "email": "camila@correo.cl",
        "phone": "+56 9 1234 5678",
        "rut": VALID_RUT,
        "type": "presencial",
        **data,
    }
    response = client.post(details_path, form)
    assert response.status_code == 302, response.content.decode()[:500]
    code = re.search(
        r"\b(\d{6})\b", OutgoingEmail.objects.filter(template="booking_code").latest("created_at").text
    ).group(1)
    return response["Location"], code


def test_booking_online_end_to_end(booking_on, therapist_member, django_capture_on_commit_callbacks):
    client = Client()
    details = first_slot(client, booking_on, therapist_member)
    accessible(client.get(details))
    verify_path, code = request_code(client, details)
    assert Session.objects.count() == 0  # nothing is booked before the email is proven

    wrong = client.post(verify_path, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "Te quedan 4 intentos" in wrong.content.decode()
    accessible(wrong)

    with django_capture_on_commit_callbacks(execute=True):
        booked = client.post(verify_path, {"code": code})
    assert booked.status_code == 302 and booked["Location"].startswith("/p/cita/")
    session = Session.objects.get()
    assert (session.source, session.awaiting_approval, session.confirmation_status) == ("online", False, "confirmed")
    assert session.patient.name == "Camila Rojas" and session.patient.rut == "123456785"
    assert session.patient.primary_therapist_id == therapist_member.user_id
    done = client.get(booked["Location"])
    assert "¡Reserva lista!" in accessible(done)
    assert [e.to for e in emails("booking_done")] == ["camila@correo.cl"]
    assert [e.to for e in emails("online_booking")] == [therapist_member.user.email]

    reused = client.post(verify_path, {"code": code})  # the code was used: no second booking
    assert reused.status_code == 400 and Session.objects.count() == 1


def _book_online(booking_on, therapist_member, **data):
    client = Client()
    details = first_slot(client, booking_on, therapist_member)
    verify_path, code = request_code(client, details, **data)
    verify_page = client.get(verify_path).content.decode()
    booked = client.post(verify_path, {"code": code})
    assert booked.status_code == 302
    appointment = client.get(booked["Location"]).content.decode()
    session = Session.objects.select_related("patient").latest("created_at")
    return session, verify_page, appointment


def _same_page(html: str, *variable: str) -> str:
    html = re.sub(r'csrfmiddlewaretoken" value="[^"]+', "", html)
    html = re.sub(r"/p/(cita|[\w-]+/verificar)/[^\"?]+", "LINK", html)
    html = re.sub(r"\d{2}:\d{2}", "HH:MM", html)  # the second booking takes the next free hour
    html = re.sub(r"\w+ \d{1,2} de \w+ de \d{4}", "DAY", html)  # which may be the next day
    for value in variable:
        html = html.replace(value, "X")
    return html


def test_a_typed_rut_reveals_nothing_and_attaches_to_nobody(
    booking_on, therapist_member, patient, django_capture_on_commit_callbacks
):
    """The outside probe: book with your own name and email and someone else's RUT. The page and
    the email show what you typed; the patient on file gains nothing; the booking is a new patient
    flagged for staff to merge. The answers are the same as with a RUT nobody has."""
    with django_capture_on_commit_callbacks(execute=True):
        probe, probe_verify, probe_page = _book_online(
            booking_on, therapist_member, name="Intrusa Curiosa", email="intrusa@correo.cl", rut=VALID_RUT
        )
    assert "María José Pérez" not in probe_page and "Intrusa Curiosa" in probe_page
    confirmation = OutgoingEmail.objects.get(template="booking_done", to="intrusa@correo.cl")
    assert "María José Pérez" not in confirmation.text + confirmation.html + confirmation.subject
    assert "Intrusa Curiosa" in confirmation.text
    assert not Session.objects.filter(patient=patient).exists()
    newcomer = probe.patient
    assert newcomer.pk != patient.pk and (newcomer.rut, newcomer.claimed_rut) == ("", "123456785")
    assert newcomer.duplicate_of_id == patient.pk

    fresh, fresh_verify, fresh_page = _book_online(
        booking_on, therapist_member, name="Intrusa Curiosa", email="intrusa2@correo.cl", rut=OTHER_RUT
    )
    assert fresh.patient.duplicate_of_id is None and fresh.patient.rut == "111111111"
    assert _same_page(probe_verify, "intrusa@correo.cl") == _same_page(fresh_verify, "intrusa2@correo.cl")
    assert _same_page(probe_page, "intrusa@correo.cl") == _same_page(fresh_page, "intrusa2@correo.cl")
    patient.refresh_from_db()
    assert (patient.email, patient.name) == ("maria@correo.cl", "María José Pérez")  # nothing on file changed


def test_a_proven_email_on_file_books_for_that_patient(booking_on, therapist_member, patient):
    """The patient proved the email the practice has for them: the booking is theirs, whatever RUT
    they typed, and the booked therapist joins their care team."""
    other_therapist = MembershipFactory(practice=booking_on, role="therapist")
    patient.care_team.all().delete()
    patient.care_team.create(user=other_therapist.user)
    session, _verify, page = _book_online(
        booking_on, therapist_member, name="Majo", email="MARIA@correo.cl", rut=OTHER_RUT
    )
    assert session.patient_id == patient.pk and "María José Pérez" in page
    assert set(patient.care_team.values_list("user_id", flat=True)) == {
        other_therapist.user_id,
        therapist_member.user_id,
    }
    patient.refresh_from_db()
    assert (patient.name, patient.rut) == ("María José Pérez", "123456785")


def test_bad_data_is_refused_with_field_errors_and_nothing_saved(booking_on, therapist_member):
    client = Client()
    details = first_slot(client, booking_on, therapist_member)
    response = client.post(
        details, {"name": "  ", "email": "no-es-correo", "phone": "", "rut": "12.345.678-9", "type": "presencial"}
    )
    html = response.content.decode()
    assert response.status_code == 400 and "El RUT no es válido" in html
    assert set(invalid_fields_marked(html)) >= {"name", "email", "phone", "rut"}
    assert violations(html) == []
    assert EmailCode.objects.count() == 0 and OutgoingEmail.objects.count() == 0


def test_slots_respect_lead_time_horizon_and_the_calendar(booking_on, therapist_member, patient):
    config = BookingSettings.objects.get(practice=booking_on)
    config.lead_time_hours, config.horizon_days = 48, 3
    config.save()
    earliest, last_day = booking.booking_window(booking_on, config)
    today = timezone.now().astimezone(TZ).date()
    assert (
        booking.open_slots(practice=booking_on, config=config, membership=therapist_member, day=today, duration=50)
        == []
    )
    assert (
        booking.open_slots(
            practice=booking_on,
            config=config,
            membership=therapist_member,
            day=last_day + timedelta(days=1),
            duration=50,
        )
        == []
    )
    day = last_day
    slots = booking.open_slots(practice=booking_on, config=config, membership=therapist_member, day=day, duration=50)
    assert slots and all(s["starts_at"] >= earliest for s in slots)
    taken = slots[0]["starts_at"]
    Session.objects.create(
        practice=booking_on,
        patient=patient,
        therapist=therapist_member.user,
        starts_at=taken,
        ends_at=taken + timedelta(minutes=50),
    )
    again = booking.open_slots(practice=booking_on, config=config, membership=therapist_member, day=day, duration=50)
    assert taken not in [s["starts_at"] for s in again]
    # a slot before the lead time cannot be requested by editing the address either
    early = (timezone.now() + timedelta(hours=3)).astimezone(TZ).replace(minute=0, second=0, microsecond=0)
    response = Client().get(
        f"/p/{booking_on.slug}/reservar/datos",
        {"profesional": therapist_member.user_id, "duracion": 50, "inicio": early.isoformat()},
    )
    assert response.status_code == 302 and response["Location"] == f"/p/{booking_on.slug}/reservar"


def test_disabled_or_unknown_booking_pages_are_404(practice, therapist_member):
    practice.slug = "apagada"
    practice.save()
    assert Client().get("/p/apagada/reservar").status_code == 404
    assert Client().get("/p/no-existe/reservar").status_code == 404
    page = Client().get("/p/no-existe/reservar")
    assert "Página no encontrada" in page.content.decode()


def test_requests_and_codes_are_rate_limited(booking_on, therapist_member, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMITS = {**settings.RATELIMITS, "booking_email": "2/h", "booking_code_ip": "3/h"}
    client = Client()
    details = first_slot(client, booking_on, therapist_member)
    verify_path, _code = request_code(client, details)
    request_code(client, details)
    third = client.post(
        details,
        {"name": "Camila Rojas", "email": "CAMILA@correo.cl", "phone": "1", "rut": VALID_RUT, "type": "presencial"},
    )
    assert third.status_code == 429 and third["Retry-After"] and "Demasiados intentos" in third.content.decode()
    assert EmailCode.objects.count() == 2
    statuses = [client.post(verify_path, {"code": "999999"}).status_code for _ in range(4)]
    assert statuses[-1] == 429


def test_five_wrong_codes_end_the_request(booking_on, therapist_member):
    client = Client()
    verify_path, code = request_code(client, first_slot(client, booking_on, therapist_member))
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        last = client.post(verify_path, {"code": wrong})
    assert "Demasiados intentos" in last.content.decode()
    assert client.post(verify_path, {"code": code}).status_code == 400  # even the right one, now
    assert Session.objects.count() == 0


def test_request_mode_waits_for_the_therapists_approval(
    booking_on, therapist_member, as_therapist, as_assistant, as_other_admin, api
):
    BookingSettings.objects.filter(practice=booking_on).update(auto_confirm=False)
    client = Client()
    verify_path, code = request_code(client, first_slot(client, booking_on, therapist_member))
    client.post(verify_path, {"code": code})
    session = Session.objects.get()
    assert session.awaiting_approval
    assert "debe aprobar" in client.get(link_path(session)).content.decode()

    url = f"/api/sessions/{session.id}/approve"
    assert api.post(url).status_code == 401
    assert as_assistant.post(url).status_code == 403
    assert as_other_admin.post(url).status_code == 404
    approved = as_therapist.post(url)
    assert approved.status_code == 200 and approved.json()["awaitingApproval"] is False
    assert [e.to for e in emails("booking_approved")] == ["camila@correo.cl"]
    again = as_therapist.post(url)
    assert again.status_code == 409 and again.json()["message"] == "Esta cita no espera aprobación."


def test_declining_a_request_tells_the_patient(booking_on, therapist_member, as_therapist):
    BookingSettings.objects.filter(practice=booking_on).update(auto_confirm=False)
    client = Client()
    verify_path, code = request_code(client, first_slot(client, booking_on, therapist_member))
    client.post(verify_path, {"code": code})
    session = Session.objects.get()
    assert (
        as_therapist.post(f"/api/sessions/{session.id}/cancel", {"reason": "Sin cupo"}, format="json").status_code
        == 200
    )
    assert [e.to for e in emails("booking_declined")] == ["camila@correo.cl"]
    session.refresh_from_db()
    assert (session.status, session.awaiting_approval) == ("cancelled", False)


def _verified(practice, therapist_member, email):
    starts = (timezone.now() + timedelta(days=2)).astimezone(TZ).replace(hour=11, minute=0, second=0, microsecond=0)
    return {
        "therapist_id": str(therapist_member.user_id),
        "starts_at": starts.isoformat(),
        "duration": 50,
        "type": "presencial",
        "name": email,
        "email": email,
        "phone": "1",
        "rut": "",
    }


def _race(functions, practice_id):
    """The functions at once, each in its own thread and connection, in the practice's scope as the
    page that calls them runs (a new thread starts with no practice)."""
    results, barrier = [], threading.Barrier(len(functions))

    def run(function):
        barrier.wait()
        try:
            with scope.in_practice(practice_id):
                results.append(function())
        except Exception as exc:  # the loser's Conflict
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_patients_one_slot_one_wins(practice, therapist_member):
    practice.slug = "carrera"
    practice.save()
    open_all_week(therapist_member)
    config = BookingSettings.objects.create(practice=practice, enabled=True, lead_time_hours=0)
    results = _race(
        [
            lambda e=email: booking.online_book(
                practice=practice, config=config, payload=_verified(practice, therapist_member, e)
            )
            for email in ("a@correo.cl", "b@correo.cl")
        ],
        practice.id,
    )
    booked = [r for r in results if isinstance(r, Session)]
    refused = [r for r in results if not isinstance(r, Session)]
    assert len(booked) == 1 and len(refused) == 1 and getattr(refused[0], "code", "") == "slot_taken"
    assert Session.objects.filter(therapist=therapist_member.user).count() == 1


# --- Wait-list -------------------------------------------------------------------------------


def test_joining_the_waitlist_needs_the_emailed_code(booking_on, therapist_member):
    client = Client()
    page = client.get(f"/p/{booking_on.slug}/lista-de-espera?profesional={therapist_member.user_id}")
    accessible(page)
    today = timezone.now().astimezone(TZ).date()
    response = client.post(
        f"/p/{booking_on.slug}/lista-de-espera",
        {
            "name": "Pedro Soto",
            "email": "pedro@correo.cl",
            "phone": "1",
            "rut": OTHER_RUT,
            "therapist": str(therapist_member.user_id),
            "date_from": today.isoformat(),
            "date_to": (today + timedelta(days=10)).isoformat(),
            "time_from": "09:00",
            "time_to": "13:00",
            "type": "presencial",
        },
    )
    assert response.status_code == 302 and WaitlistEntry.objects.count() == 0
    code = re.search(r"\b(\d{6})\b", emails("booking_code")[-1].text).group(1)
    joined = client.post(response["Location"], {"code": code})
    assert joined.status_code == 200 and "lista de espera" in joined.content.decode()
    entry = WaitlistEntry.objects.get()
    assert (entry.name, entry.time_from, entry.time_to, entry.status) == ("Pedro Soto", time(9), time(13), "active")


def test_waitlist_window_is_checked(booking_on, therapist_member):
    today = timezone.now().astimezone(TZ).date()
    response = Client().post(
        f"/p/{booking_on.slug}/lista-de-espera",
        {
            "name": "Pedro Soto",
            "email": "pedro@correo.cl",
            "phone": "1",
            "rut": OTHER_RUT,
            "therapist": str(therapist_member.user_id),
            "date_from": (today + timedelta(days=5)).isoformat(),
            "date_to": today.isoformat(),
            "type": "presencial",
        },
    )
    assert response.status_code == 400 and "posterior al día de inicio" in response.content.decode()
    assert EmailCode.objects.count() == 0


def _wait(practice, therapist_member, name, start_day, created_offset):
    entry = WaitlistEntry.objects.create(
        practice=practice,
        therapist=therapist_member.user,
        name=name,
        email=f"{name}@correo.cl",
        date_from=start_day,
        date_to=start_day + timedelta(days=7),
    )
    WaitlistEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(minutes=created_offset))
    return entry


def test_a_cancelled_hour_is_offered_to_the_first_in_line(
    booking_on, therapist_member, patient, run_jobs, as_therapist, mailoutbox
):
    session = appointment_at(therapist_member, patient, hours_ahead=72)
    day = session.starts_at.astimezone(TZ).date()
    BookingSettings.objects.filter(practice=booking_on).update(waitlist_offer_count=2)
    first, second, third = (
        _wait(booking_on, therapist_member, n, day - timedelta(days=1), m)
        for n, m in (("ana", 30), ("beto", 20), ("caro", 10))
    )
    _wait(booking_on, therapist_member, "fuera", day + timedelta(days=1), 40)  # window starts after the hour
    assert (
        as_therapist.post(f"/api/sessions/{session.id}/cancel", {"reason": "Viaje"}, format="json").status_code == 200
    )
    run_jobs()
    offered = {o.entry.name for o in WaitlistOffer.objects.select_related("entry")}
    assert offered == {"ana", "beto"}
    sent = [m for m in mailoutbox if "se liberó una hora" in m.subject]
    assert sorted(m.to[0] for m in sent) == ["ana@correo.cl", "beto@correo.cl"]
    run_jobs()  # a second run sends nothing new
    assert len(emails("waitlist_offer")) == 2

    links = [re.search(r"http://localhost:3001(/p/lista-de-espera/\S+)", m.body).group(1) for m in sent]
    page = Client().get(links[0])
    assert "Reservar esta hora" in accessible(page)
    claimed = Client().post(links[0])
    assert claimed.status_code == 302
    late = Client().post(links[1])
    assert late.status_code == 409 and "ya no está disponible" in late.content.decode()
    booked = Session.objects.get(status="scheduled", therapist=therapist_member.user)
    assert booked.starts_at == session.starts_at and booked.source == "online"
    assert {e.name: e.status for e in WaitlistEntry.objects.all()}[
        "ana" if "ana" in booked.patient.email else "beto"
    ] == "booked"


@pytest.mark.django_db(transaction=True)
def test_two_claims_one_hour_one_wins(practice, therapist_member):
    starts = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    entries = [
        WaitlistEntry.objects.create(
            practice=practice,
            therapist=therapist_member.user,
            name=n,
            email=f"{n}@correo.cl",
            date_from=starts.date() - timedelta(days=1),
            date_to=starts.date() + timedelta(days=1),
        )
        for n in ("uno", "dos")
    ]
    offers = [
        WaitlistOffer.objects.create(entry=e, starts_at=starts, ends_at=starts + timedelta(minutes=50)) for e in entries
    ]
    results = _race([lambda o=offer: booking.waitlist_claim(o) for offer in offers], offers[0].practice_id)
    assert sum(isinstance(r, Session) for r in results) == 1
    assert Session.objects.filter(therapist=therapist_member.user, starts_at=starts).count() == 1


# --- The practice's API ------------------------------------------------------------------------


def test_booking_settings_api(
    as_admin, as_therapist, as_assistant, api, practice, therapist_member, other_admin_member
):
    url = "/api/admin/booking/settings"
    assert api.get(url).status_code == 401
    current = as_assistant.get(url)
    assert current.status_code == 200 and current.json()["enabled"] is False and current.json()["bookingUrl"] is None
    assert as_therapist.put(url, {"enabled": True}, format="json").status_code == 403

    no_slug = as_admin.put(url, {"enabled": True}, format="json")
    assert no_slug.status_code == 400 and "slug" in no_slug.json()["errors"]
    bad = as_admin.patch(url, {"slug": "Con Espacios", "durations": [5]}, format="json")
    assert (
        bad.status_code == 400
        and "slug" in bad.json()["errors"]
        and any(k.startswith("durations") for k in bad.json()["errors"])
    )
    other_practice_therapist = as_admin.patch(url, {"therapistIds": [str(other_admin_member.user_id)]}, format="json")
    assert other_practice_therapist.status_code == 400 and "therapistIds" in other_practice_therapist.json()["errors"]
    other_admin_member.practice.slug = "ocupada"
    other_admin_member.practice.save()
    taken = as_admin.patch(url, {"slug": "ocupada", "enabled": True}, format="json")
    assert taken.status_code == 400 and taken.json()["code"] == "slug_taken"
    practice.refresh_from_db()
    assert practice.slug is None and not BookingSettings.objects.get(practice=practice).enabled  # nothing half-saved

    saved = as_admin.put(
        url,
        {
            "enabled": True,
            "slug": "centro-norte",
            "therapistIds": [str(therapist_member.user_id)],
            "durations": [50, 30, 50],
            "autoConfirm": False,
            "brandColor": "#0A7F3F",
        },
        format="json",
    )
    body = saved.json()
    assert saved.status_code == 200, body
    assert (body["enabled"], body["slug"], body["durations"], body["autoConfirm"], body["brandColor"]) == (
        True,
        "centro-norte",
        [30, 50],
        False,
        "#0A7F3F",
    )
    assert body["bookingUrl"] == "http://localhost:3001/p/centro-norte/reservar"
    assert body["therapistIds"] == [str(therapist_member.user_id)]
    page = Client().get("/p/centro-norte/reservar")
    assert page.status_code == 200 and "--brand: #0A7F3F; --brand-text: #ffffff" in page.content.decode()


def test_the_logo_is_served_from_our_host(as_admin, as_therapist, practice, booking_on):
    from PIL import Image  # noqa: PLC0415 (heavy, loaded on first use)

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#0a7f3f").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "logo.png"
    assert as_therapist.post("/api/admin/booking/logo", {"logo": buffer}, format="multipart").status_code == 403
    buffer.seek(0)
    saved = as_admin.post("/api/admin/booking/logo", {"logo": buffer}, format="multipart")
    assert saved.status_code == 200 and saved.json()["hasLogo"] is True
    page = Client().get(f"/p/{booking_on.slug}/reservar").content.decode()
    assert f'src="/p/logo/{practice.pk}"' in page and 'alt="Logo de ' in page
    logo = Client().get(f"/p/logo/{practice.pk}")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"


def test_waitlist_api(
    as_admin, as_assistant, api, practice, therapist_member, other_admin_member, django_assert_max_num_queries
):
    today = timezone.now().astimezone(TZ).date()
    for n in range(3):
        _wait(practice, therapist_member, f"p{n}", today, 10 - n)
    assert api.get("/api/admin/waitlist").status_code == 401
    with django_assert_max_num_queries(8):
        listed = as_assistant.get("/api/admin/waitlist")
    assert listed.status_code == 200 and [e["name"] for e in listed.json()] == ["p0", "p1", "p2"]
    for n in range(3, 30):
        _wait(practice, therapist_member, f"p{n}", today, 0)
    with django_assert_max_num_queries(8):
        assert len(as_assistant.get("/api/admin/waitlist").json()) == 30
    entry = WaitlistEntry.objects.get(name="p0")
    other = _wait(
        other_admin_member.practice,
        MembershipFactory(practice=other_admin_member.practice, role="therapist"),
        "x",
        today,
        0,
    )
    assert as_admin.delete(f"/api/admin/waitlist/{other.id}").status_code == 404
    assert as_admin.delete(f"/api/admin/waitlist/{entry.id}").status_code == 204
    entry.refresh_from_db()
    assert entry.status == "left" and "p0" not in [e["name"] for e in as_admin.get("/api/admin/waitlist").json()]


def test_a_suspended_practice_takes_no_bookings(booking_on):
    booking_on.is_active = False
    booking_on.save()
    assert Client().get(f"/p/{booking_on.slug}/reservar").status_code == 404


def test_the_page_language_follows_the_browser(therapist_member, patient):
    session = appointment_at(therapist_member, patient)
    english = Client().get(link_path(session), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english
    assert '<html lang="es">' in Client().get(link_path(session)).content.decode()


def test_a_removed_block_is_offered_too(booking_on, therapist_member, as_therapist, run_jobs):
    starts = (timezone.now() + timedelta(days=3)).astimezone(TZ).replace(hour=15, minute=0, second=0, microsecond=0)
    block = BlockedTime.objects.create(
        practice=booking_on, therapist=therapist_member.user, starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    entry = _wait(booking_on, therapist_member, "dani", starts.date(), 5)
    BlockedTime.objects.create(
        practice=booking_on,
        therapist=therapist_member.user,
        starts_at=starts + timedelta(hours=3),
        ends_at=starts + timedelta(hours=4),
    )
    assert as_therapist.delete(f"/api/blocked-times/{block.id}").status_code == 204
    run_jobs()
    offer = WaitlistOffer.objects.get(entry=entry)
    assert (offer.starts_at, offer.ends_at) == (starts, starts + timedelta(minutes=50))


# --- The outside probe's smaller findings -------------------------------------------------------


def test_a_gif_logo_is_served_as_a_gif(as_admin, practice, booking_on):
    from PIL import Image  # noqa: PLC0415 (heavy, loaded on first use)

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#0a7f3f").save(buffer, "GIF")
    buffer.seek(0)
    buffer.name = "logo.gif"
    assert as_admin.post("/api/admin/booking/logo", {"logo": buffer}, format="multipart").status_code == 200
    assert Client().get(f"/p/logo/{practice.pk}")["Content-Type"] == "image/gif"
    practice.logo.save("sin-extension", ContentFile(buffer.getvalue()))  # stored before the extension was kept
    assert not practice.logo.name.endswith(".gif")
    assert Client().get(f"/p/logo/{practice.pk}")["Content-Type"] == "image/gif"


def test_reserved_addresses_are_refused_and_match_the_routes(as_admin, practice):
    urlpatterns = [*account_pages, *patient_pages, *scheduling_pages, *ai_pages]
    routes = {
        str(p.pattern).split("/")[1]
        for p in urlpatterns
        if str(p.pattern).startswith("p/") and "<" not in str(p.pattern).split("/")[1]
    }
    assert routes == RESERVED_SLUGS
    for slug in sorted(RESERVED_SLUGS):
        refused = as_admin.put("/api/admin/booking/settings", {"slug": slug}, format="json")
        assert refused.status_code == 400 and refused.json()["errors"]["slug"] == [
            "Esa dirección está reservada; elige otra"
        ]
    practice.refresh_from_db()
    assert practice.slug is None


def test_an_invitee_who_has_not_joined_is_not_offered(
    booking_on, as_admin, therapist_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invited = as_admin.post(
            "/api/admin/team", {"name": "Zoe Pendiente", "email": "zoe@clinica.cl", "role": "therapist"}, format="json"
        )
    assert invited.status_code == 201
    page = Client().get(f"/p/{booking_on.slug}/reservar").content.decode()
    assert "Zoe Pendiente" not in page and therapist_member.user.name in page
    waitlist = Client().get(f"/p/{booking_on.slug}/lista-de-espera").content.decode()
    assert "Zoe Pendiente" not in waitlist


def test_a_start_the_page_never_offered_is_not_bookable(booking_on, therapist_member):
    client = Client()
    offered = first_slot(client, booking_on, therapist_member)
    start = re.search(r"inicio=([^&]+)", offered).group(1)
    odd = quote((datetime.fromisoformat(unquote(start)) + timedelta(minutes=7)).isoformat())  # 10:07: never offered
    assert odd != start
    tampered = offered.replace(f"inicio={start}", f"inicio={odd}")
    assert client.get(tampered).status_code == 302  # back to the hours the page offers
    refused = client.post(
        tampered, {"name": "Ana", "email": "ana@correo.cl", "phone": "+56 9 1", "rut": VALID_RUT, "type": "presencial"}
    )
    assert refused.status_code == 302 and "/reservar/datos" not in refused["Location"]
    assert EmailCode.objects.count() == 0
    # and a verified request whose start was changed in between is refused under the lock
    payload = {
        "therapist_id": str(therapist_member.user_id),
        "starts_at": unquote(odd),
        "duration": 50,
        "type": "presencial",
        "name": "Ana",
        "email": "ana@correo.cl",
        "phone": "",
        "rut": "",
    }
    config = BookingSettings.objects.get(practice=booking_on)
    with pytest.raises(Conflict):
        booking.online_book(practice=booking_on, config=config, payload=payload)
    assert not Session.objects.exists()
