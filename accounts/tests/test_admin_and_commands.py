"""The operators' console (Django admin) and operator commands."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Membership, OutgoingEmail, Practice, User, default_member_color
from accounts.tests.factories import PASSWORD, MembershipFactory
from ai_reports.models import PatientSummary
from billing.models import CreditAccount, Subscription
from patients.models import Patient
from patients.tests.factories import patient_for
from scheduling.models import (
    Assessment,
    BookingSettings,
    CalendarSettings,
    QuestionnaireRequest,
    RiskAlert,
    Session,
)
from scheduling.outcomes import practice_outcomes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/user/?q=clinica&is_active__exact=1&memberships__role=therapist",
        "/admin/accounts/practice/",
        "/admin/accounts/practice/?q=Centro&is_active__exact=1",
        "/admin/accounts/membership/",
        "/admin/accounts/membership/?role__exact=admin&is_active__exact=1",
        "/admin/accounts/invitation/",
        "/admin/accounts/devicesession/",
    ],
)
def test_console_pages_render(operator, therapist_member, url):
    response = operator.get(url)
    assert response.status_code == 200


def test_user_change_page_shows_profile_and_memberships(operator, therapist_member):
    response = operator.get(f"/admin/accounts/user/{therapist_member.user_id}/change/")
    assert response.status_code == 200
    assert therapist_member.practice.name in response.content.decode()


def test_console_deactivates_users(operator, therapist_member):
    response = operator.post(
        "/admin/accounts/user/", {"action": "deactivate_users", "_selected_action": [therapist_member.user_id]}
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=therapist_member.user_id).is_active


def test_console_resends_invitations(operator, as_admin, django_capture_on_commit_callbacks, run_jobs):
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post("/api/admin/team", {"name": "Juan Pérez", "email": "juan@clinica.cl"}, format="json")
    membership = Membership.objects.get(user__email="juan@clinica.cl")
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(
            "/admin/accounts/membership/", {"action": "resend_invitation", "_selected_action": [membership.pk]}
        )
    run_jobs()
    assert len(mail.outbox) == 2 and re.search(r"/cuenta/invitacion\?token=", mail.outbox[-1].body)


def test_console_is_for_staff_only(client, therapist_member):
    client.force_login(therapist_member.user)
    assert client.get("/admin/accounts/user/").status_code == 302


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    admin = User.objects.get(email="admin@sessai.com")
    assert admin.check_password("admin123")
    assert Practice.objects.count() == 1
    assert Membership.objects.filter(role=Role.THERAPIST).count() == 3
    assert Membership.objects.filter(role=Role.ASSISTANT).count() == 1
    assert Membership.objects.get(user=admin).role == Role.ADMIN
    assert len(set(Membership.objects.values_list("color", flat=True))) == 5
    assert Patient.objects.count() == 6 and Session.objects.count() == 30  # demo clinic, not duplicated
    assert Patient.objects.filter(total_sessions=3).count() == 6
    assert Practice.objects.get().slug == "centro-demo" and BookingSettings.objects.get().enabled
    assert Client().get("/p/centro-demo/reservar").status_code == 200  # patients can try booking in the demo
    # measurement-based care: a trend over three sessions, a questionnaire answered by link, its alert
    phq9 = list(Assessment.objects.filter(type="phq9").order_by("session__starts_at").values_list("score", flat=True))
    assert phq9 == [14, 10, 6, 6] and QuestionnaireRequest.objects.get().risk
    assert RiskAlert.objects.get().patient.name == "María José Pérez"
    demo = Practice.objects.get()
    phq9_outcomes = practice_outcomes(
        practice_id=demo.pk, code="phq9", start=date.today() - timedelta(days=90), end=date.today(), tz=demo.timezone
    )
    assert phq9_outcomes["overall"]["measured"] == 1 and phq9_outcomes["overall"]["classes"]["recovered"]["count"] == 1
    # a session summary approved and sent to its patient, once
    summary = PatientSummary.objects.get()
    assert summary.status == "sent" and summary.approved_at and summary.sent_to == summary.patient.email
    assert OutgoingEmail.objects.filter(template="patient_summary").count() == 1


def test_seed_demo_refuses_production_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()
    call_command("seed_demo", "--force")
    assert User.objects.filter(email="admin@sessai.com").exists()


def test_demo_admin_can_log_in_through_the_api(api, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    response = api.post("/api/auth/login", {"email": "admin@sessai.com", "password": "admin123"}, format="json")
    assert response.status_code == 200 and response.json()["user"]["role"] == "admin"


def test_createsuperuser_with_email(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "OpsClave123")
    call_command("createsuperuser", interactive=False, email="Root@SessAI.com", name="Root")
    user = User.objects.get(email="root@sessai.com")
    assert user.is_superuser and user.is_staff and user.check_password("OpsClave123")


def test_member_colors_come_from_the_palette(practice, settings):
    MembershipFactory(practice=practice, color=settings.MEMBER_COLOR_PALETTE[0])
    assert default_member_color(practice) == settings.MEMBER_COLOR_PALETTE[1]


def test_a_practice_created_in_the_console_starts_on_the_trial(operator):
    response = operator.post(
        "/admin/accounts/practice/add/",
        {
            "name": "Consulta Creada en Consola",
            "country": "CL",
            "timezone": "America/Santiago",
            "is_active": "on",
            "brand_color": "#1f6feb",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    practice = Practice.objects.get(name="Consulta Creada en Consola")
    assert Subscription.objects.filter(practice=practice).exists()
    assert CreditAccount.objects.get(practice=practice).balance > 0
    assert CalendarSettings.objects.filter(practice=practice).exists()


def test_a_suspended_practice_can_be_reactivated_and_sends_no_reminders(operator, therapist_member, run_jobs):
    practice = therapist_member.practice
    starts = timezone.now() + timedelta(hours=3)
    Session.objects.create(
        practice=practice,
        patient=patient_for(therapist_member),
        therapist=therapist_member.user,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    operator.post("/admin/accounts/practice/", {"action": "suspend_practices", "_selected_action": [practice.pk]})
    call_command("send_session_reminders")
    run_jobs()
    assert mail.outbox == []
    operator.post("/admin/accounts/practice/", {"action": "reactivate_practices", "_selected_action": [practice.pk]})
    practice.refresh_from_db()
    assert practice.is_active
    call_command("send_session_reminders")
    run_jobs()
    assert len(mail.outbox) == 1


def test_members_of_a_suspended_practice_are_told_so(operator, api, therapist_member):
    operator.post(
        "/admin/accounts/practice/", {"action": "suspend_practices", "_selected_action": [therapist_member.practice_id]}
    )
    answer = api.post("/api/auth/login", {"email": therapist_member.user.email, "password": PASSWORD}, format="json")
    assert answer.status_code == 401 and answer.json()["code"] == "practice_suspended"
    assert "suspendida" in answer.json()["message"]
