"""The appointment pages in a real browser (Debian's Chromium through Playwright), phone-sized, in
Chilean Spanish: online booking with the emailed code, the wait-list and its claim link, confirm
and cancel from the reminder's link. Each form is submitted by clicking, as a patient does, so the
request carries the browser's own Origin and Referer; each page is checked with axe-core."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import OutgoingEmail
from patients.tests.factories import patient_for
from scheduling import links
from scheduling.booking import services as booking
from scheduling.models import BookingSettings, Session, WaitlistEntry, WaitlistOffer
from scheduling.tests.test_patient_pages import VALID_RUT, appointment_at, open_all_week
from sessai.tests.browser import assert_accessible, last_document_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booking_on(practice, therapist_member):
    practice.slug = "centro-ejemplo"
    practice.save()
    open_all_week(therapist_member)
    BookingSettings.objects.update_or_create(
        practice=practice, defaults={"enabled": True, "lead_time_hours": 2, "waitlist_enabled": True}
    )
    return practice


def code_from_mailbox(email: str) -> str:
    message = OutgoingEmail.objects.filter(template="booking_code", to=email).latest("created_at")
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def link_in(template: str, to: str, pattern: str) -> str:
    message = OutgoingEmail.objects.filter(template=template, to=to).latest("created_at")
    return re.search(rf"https?://[^/\s]+({pattern}\S+)", message.text).group(1)


def patient_lists_and_reads(client_for, membership, patient) -> None:
    """The booked therapist sees the patient in their list, and opens the patient and the history."""
    as_therapist = client_for(membership)
    listed = as_therapist.get("/api/patients").json()["data"]
    assert str(patient.pk) in [row["id"] for row in listed]
    assert as_therapist.get(f"/api/patients/{patient.pk}").status_code == 200
    history = as_therapist.get(f"/api/patients/{patient.pk}/sessions?status=scheduled")
    assert history.status_code == 200 and history.json()["data"]


def test_online_booking_with_the_emailed_code(phone, booking_on, therapist_member, client_for):
    phone.goto(f"/p/{booking_on.slug}/reservar")
    assert_accessible(phone)
    phone.locator("ul.slots a").first.click()
    assert phone.locator("h1").inner_text() == "Tus datos"
    assert_accessible(phone)
    phone.get_by_label("Nombre completo").fill("Camila Fuentes")
    phone.get_by_label("Correo electrónico").fill("camila@correo.cl")
    phone.get_by_label("Teléfono").fill("+56 9 8765 4321")
    phone.get_by_label("RUT").fill(VALID_RUT)
    phone.get_by_role("button", name="Enviarme el código").click()
    assert last_document_status(phone) == 200
    assert phone.locator("h1").inner_text() == "Revisa tu correo"
    assert_accessible(phone)

    phone.get_by_label("Código de 6 dígitos").fill(code_from_mailbox("camila@correo.cl"))
    phone.get_by_role("button", name="Confirmar").click()
    assert last_document_status(phone) == 200
    assert "Camila Fuentes" in phone.locator("main").inner_text()
    assert_accessible(phone)

    session = Session.objects.select_related("patient").get(source="online")
    assert session.patient.name == "Camila Fuentes" and session.therapist_id == therapist_member.user_id
    patient_lists_and_reads(client_for, therapist_member, session.patient)


def test_the_waitlist_join_and_the_claim(phone, booking_on, therapist_member, client_for):
    phone.goto(f"/p/{booking_on.slug}/lista-de-espera?profesional={therapist_member.user_id}")
    assert_accessible(phone)
    today = timezone.localdate()
    phone.get_by_label("Nombre completo").fill("Tomás Vera")
    phone.get_by_label("Correo electrónico").fill("tomas@correo.cl")
    phone.get_by_label("Teléfono").fill("+56 9 1111 2222")
    phone.get_by_label("RUT").fill(VALID_RUT)
    phone.get_by_label("Desde el día").fill(today.isoformat())
    phone.get_by_label("Hasta el día").fill((today + timedelta(days=10)).isoformat())
    phone.get_by_role("button", name=re.compile("código|lista", re.I)).click()
    assert last_document_status(phone) == 200
    phone.get_by_label("Código de 6 dígitos").fill(code_from_mailbox("tomas@correo.cl"))
    phone.get_by_role("button", name="Confirmar").click()
    assert "lista de espera" in phone.locator("h1").inner_text().lower()
    entry = WaitlistEntry.objects.get(email="tomas@correo.cl")

    # someone cancels an hour the next day: the job offers it to the wait-list
    other = patient_for(therapist_member, name="Otra Persona", email="otra@correo.cl")
    taken = appointment_at(therapist_member, other, hours_ahead=30)
    booking.waitlist_offer_hour(
        practice_id=booking_on.pk,
        therapist_id=therapist_member.user_id,
        starts_at=taken.starts_at,
        ends_at=taken.ends_at,
    )  # nothing: still taken
    assert not WaitlistOffer.objects.exists()
    Session.objects.filter(pk=taken.pk).update(status="cancelled")
    assert (
        booking.waitlist_offer_hour(
            practice_id=booking_on.pk,
            therapist_id=therapist_member.user_id,
            starts_at=taken.starts_at,
            ends_at=taken.ends_at,
        )
        == 1
    )

    phone.goto(link_in("waitlist_offer", "tomas@correo.cl", "/p/lista-de-espera/"))
    assert_accessible(phone)
    phone.locator("main form button[type=submit]").click()
    assert last_document_status(phone) == 200
    assert_accessible(phone)
    entry.refresh_from_db()
    assert entry.status == "booked" and entry.session.starts_at == taken.starts_at
    patient_lists_and_reads(client_for, therapist_member, entry.session.patient)


def test_confirm_and_cancel_from_the_reminder(phone, therapist_member):
    patient = patient_for(therapist_member, name="María José Pérez", email="maria@correo.cl", rut="123456785")
    session = appointment_at(therapist_member, patient)
    link = links.appointment_link(session).split("://", 1)[1].split("/", 1)[1]
    phone.goto("/" + link)
    assert_accessible(phone)
    phone.get_by_role("button", name="Confirmar asistencia").click()
    assert last_document_status(phone) == 200
    assert "quedó confirmada" in phone.locator("main").inner_text()
    session.refresh_from_db()
    assert session.confirmation_status == "confirmed"

    phone.get_by_role("button", name="Cancelar la cita").click()
    assert last_document_status(phone) == 200
    assert "fue cancelada" in phone.locator("main").inner_text()
    assert_accessible(phone)
    session.refresh_from_db()
    assert (session.status, session.confirmation_status) == ("cancelled", "cancelled_by_patient")
