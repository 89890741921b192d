"""The password-reset and invitation pages in a real browser (Debian's Chromium through
Playwright), phone-sized and in Chilean Spanish: each form submitted by clicking, as a person
does, then the page and the database checked, and each page checked with axe-core."""

import re

import pytest

from accounts import services
from accounts.models import Invitation, OutgoingEmail
from sessai.tests.browser import assert_accessible, last_document_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reset_the_password_from_the_email(phone, api, therapist_member):
    user = therapist_member.user
    assert api.post("/api/auth/forgot-password", {"email": user.email}, format="json").status_code == 200
    # the job's body, as the worker runs it (the worker itself runs it in test_account_pages.py:
    # its asyncio loop cannot start while Playwright's runs in this thread)
    services.password_reset_email(email=user.email)
    body = OutgoingEmail.objects.filter(template="password_reset", to=user.email).latest("created_at").text
    path = re.search(r"https?://[^/\s]+(/cuenta/restablecer-contrasena\?token=\S+)", body).group(1)
    phone.goto(path)
    assert phone.locator("h1").inner_text() == "Elige una nueva contraseña"
    assert_accessible(phone)
    phone.get_by_label("Nueva contraseña").fill("NuevaClave9x")
    phone.get_by_label("Repite la contraseña").fill("NuevaClave9x")
    phone.get_by_role("button", name="Guardar contraseña").click()
    assert last_document_status(phone) == 200
    assert phone.locator("h1").inner_text() == "Tu contraseña cambió"
    assert_accessible(phone)
    user.refresh_from_db()
    assert user.check_password("NuevaClave9x")

    phone.goto(path)  # the used link, opened again
    assert last_document_status(phone) == 400 and phone.locator("h1").inner_text() == "Este enlace no es válido"


def test_accept_the_invitation(phone, as_admin, admin_member, settings, django_capture_on_commit_callbacks):
    settings.ACCOUNT_LINKS = "api"
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(
            "/api/admin/team",
            {"name": "Juana Invitada", "email": "juana@clinica.cl", "role": "therapist"},
            format="json",
        )
    body = OutgoingEmail.objects.filter(template="invitation").latest("created_at").text
    phone.goto(re.search(r"https?://[^/\s]+(/cuenta/invitacion\?token=\S+)", body).group(1))
    assert admin_member.practice.name in phone.locator("h1").inner_text()
    assert_accessible(phone)
    phone.get_by_label("Nueva contraseña").fill("Bienvenida12")
    phone.get_by_label("Repite la contraseña").fill("Bienvenida12")
    phone.get_by_role("button", name="Crear mi cuenta").click()
    assert last_document_status(phone) == 200
    assert "Bienvenido" in phone.locator("h1").inner_text()
    assert_accessible(phone)
    invitation = Invitation.objects.select_related("membership__user").get()
    assert invitation.accepted_at is not None and invitation.membership.user.check_password("Bienvenida12")
