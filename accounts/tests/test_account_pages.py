"""The reset-password and accept-invitation pages on this host, which the emails link to while the
therapist UI has no such pages (ACCOUNT_LINKS=api)."""

import re

from django.core import mail
from django.test import Client

from accounts.models import Invitation, OutgoingEmail
from sessai.tests.a11y import violations


def test_reset_password_page(api, therapist_member, run_jobs):
    user = therapist_member.user
    api.post("/api/auth/forgot-password", {"email": user.email}, format="json")
    run_jobs()
    path = re.search(r"http://localhost:3001(/cuenta/restablecer-contrasena\?token=\S+)", mail.outbox[-1].body).group(1)
    page = Client().get(path)
    assert page.status_code == 200 and violations(page.content.decode()) == []
    weak = Client().post(path, {"password": "abc", "confirm": "abc"})
    assert weak.status_code == 400 and 'aria-invalid="true"' in weak.content.decode()
    differ = Client().post(path, {"password": "NuevaClave9x", "confirm": "OtraClave9x"})
    assert differ.status_code == 400
    done = Client().post(path, {"password": "NuevaClave9x", "confirm": "NuevaClave9x"})
    assert done.status_code == 200 and "Tu contraseña cambió" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("NuevaClave9x")
    reused = Client().post(path, {"password": "OtraClave10y", "confirm": "OtraClave10y"})  # single use
    assert reused.status_code == 400 and "inválido o ha expirado" in reused.content.decode()
    reopened = Client().get(path)  # a used link says so on opening, before anyone types a password
    assert reopened.status_code == 400 and "inválido o ha expirado" in reopened.content.decode()
    assert 'name="password"' not in reopened.content.decode()
    assert (
        Client()
        .post("/cuenta/restablecer-contrasena?token=x.y", {"password": "NuevaClave9x", "confirm": "NuevaClave9x"})
        .status_code
        == 400
    )


def test_reset_page_is_rate_limited(db, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMITS = {**settings.RATELIMITS, "password_reset_ip": "2/h"}
    statuses = [
        Client().post("/cuenta/restablecer-contrasena?token=x.y", {"password": "a", "confirm": "a"}).status_code
        for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_accept_invitation_page(as_admin, admin_member, settings, django_capture_on_commit_callbacks):
    settings.ACCOUNT_LINKS = "api"
    with django_capture_on_commit_callbacks(execute=True):
        created = as_admin.post(
            "/api/admin/team",
            {"name": "Juana Invitada", "email": "juana@clinica.cl", "role": "therapist"},
            format="json",
        )
    assert created.status_code == 201
    body = OutgoingEmail.objects.filter(template="invitation").latest("created_at").text
    path = re.search(r"http://localhost:3001(/cuenta/invitacion\?token=\S+)", body).group(1)
    page = Client().get(path)
    html = page.content.decode()
    assert page.status_code == 200 and violations(html) == [] and admin_member.practice.name in html
    accepted = Client().post(path, {"password": "Bienvenida12", "confirm": "Bienvenida12"})
    assert accepted.status_code == 200 and "Bienvenido" in accepted.content.decode()
    assert Invitation.objects.get().accepted_at is not None
    again = Client().get(path)
    assert again.status_code == 400 and "no es válida" in again.content.decode()


def test_the_ui_can_take_the_links_back(api, therapist_member, settings, run_jobs):
    settings.ACCOUNT_LINKS = "ui"
    api.post("/api/auth/forgot-password", {"email": therapist_member.user.email}, format="json")
    run_jobs()
    assert "http://localhost:3000/auth/reset-password?token=" in mail.outbox[-1].body
