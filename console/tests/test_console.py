"""The operators' console: sign-in with TOTP for every staff account, idle expiry, one heading per
domain in Spanish, every registered model's pages render without any clinical text, the
dashboard's figures equal independent queries at a constant query count, the practice page and
its actions (suspend, reactivate, grant credits, change plan, export), and the audit export."""

import json
import re
import time
from datetime import timedelta
from decimal import Decimal

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Practice, User
from accounts.tests.factories import PASSWORD, login_tokens
from billing import services as billing
from billing.choices import EntryKind
from billing.models import CreditLedgerEntry, Plan, Subscription
from conftest import console_login
from console.dashboard import dashboard
from patients.tests.factories import patient_for
from scheduling.models import Assessment, Session
from sessai.tests.test_bola_matrix import MARK, victim  # noqa: F401  (the fixture: one of everything, clinical text = MARK)


def _code(secret: str) -> str:
    return f"{hotp_value(secret, int(time.time()) // 30):06d}"


# --- signing in -------------------------------------------------------------------------------------


def test_an_operator_without_totp_sets_it_up_before_seeing_anything(client, operator_user):
    assert client.get("/admin/accounts/practice/").status_code == 302
    step = client.post(
        "/admin/login/?next=/admin/accounts/practice/", {"username": "ops@sessai.com", "password": "OpsClave123"}
    )
    assert step.status_code == 302
    setup = client.get(step["Location"])
    html = setup.content.decode()
    assert setup.status_code == 200 and "<svg" in html and "verificación en dos pasos" in html
    assert client.get("/admin/accounts/practice/").status_code == 302  # no data before TOTP
    secret = client.session["console_totp_setup"]["secret"]
    wrong = client.post(step["Location"], {"code": "000000"})
    assert "no es válido" in wrong.content.decode()
    codes = client.get(client.post(step["Location"], {"code": _code(secret)})["Location"])
    assert "códigos de recuperación" in codes.content.decode()
    assert Authenticator.objects.filter(user=operator_user, type="totp").exists()
    done = client.post(step["Location"], {"saved": "1"})
    assert done.status_code == 302 and done["Location"] == "/admin/accounts/practice/"
    assert client.get("/admin/accounts/practice/").status_code == 200


def test_an_operator_with_totp_gives_a_code_and_wrong_codes_end_the_attempt(client, operator_user, settings):
    secret = generate_totp_secret()
    TOTP.activate(operator_user, secret)
    client.post("/admin/login/", {"username": "ops@sessai.com", "password": "OpsClave123"})
    for _ in range(settings.MFA_MAX_ATTEMPTS - 1):
        assert "no es válido" in client.post("/admin/login/", {"code": "123456"}).content.decode()
    client.post("/admin/login/", {"code": "123456"})
    back = client.get("/admin/login/")
    assert 'name="password"' in back.content.decode()  # the attempt is over: password again
    client.post("/admin/login/", {"username": "ops@sessai.com", "password": "OpsClave123"})
    entered = client.post("/admin/login/", {"code": _code(secret)})
    assert entered.status_code == 302 and client.get("/admin/").status_code == 200


def test_the_code_step_expires_and_next_never_leaves_the_site(client, operator_user, settings):
    secret = generate_totp_secret()
    TOTP.activate(operator_user, secret)
    client.post("/admin/login/?next=https://evil.example/", {"username": "ops@sessai.com", "password": "OpsClave123"})
    entered = client.post("/admin/login/?next=https://evil.example/", {"code": _code(secret)})
    assert entered.status_code == 302 and entered["Location"] == "/admin/"
    client.logout()
    client.post("/admin/login/", {"username": "ops@sessai.com", "password": "OpsClave123"})
    session = client.session
    session["console_pending_at"] -= settings.MFA_TOKEN_MAX_AGE + 1
    session.save()
    assert 'name="password"' in client.get("/admin/login/").content.decode()  # too late for the code: password again


def test_practice_members_cannot_use_the_console(client, admin_member):
    answer = client.post("/admin/login/", {"username": admin_member.user.email, "password": PASSWORD})
    assert answer.status_code == 200 and "no es de un operador" in answer.content.decode()
    client.force_login(admin_member.user)
    assert client.get("/admin/").status_code == 302


def test_a_console_session_ends_after_idle_minutes(operator, settings):
    assert operator.get("/admin/").status_code == 200
    session = operator.session
    session["console_seen"] = int(time.time()) - settings.CONSOLE_IDLE_MINUTES * 60 - 5
    session.save()
    assert operator.get("/admin/").status_code == 302
    assert operator.get("/admin/").status_code == 302  # signed out, not just redirected once


# --- look and language --------------------------------------------------------------------------------


def test_one_heading_per_domain_in_spanish(operator):
    html = operator.get("/admin/").content.decode()
    assert "SessAI — Consola" in html
    for heading in (
        "Cuentas y equipos",
        "Pacientes",
        "Agenda",
        "Inteligencia artificial",
        "Planes y créditos",
        "Auditoría",
        "Tareas en segundo plano",
    ):
        assert len(re.findall(rf"<caption>\s*<a[^>]*>{heading}</a>", html)) == 1, heading
    for english in ("Authenticators", "Audit log", "Procrastinate", "Administración de Django", ">Cuentas<"):
        assert english not in html, english


SAME_IN_SPANISH = {"logo", "color", "audio", "error", "plan"}


def test_every_field_of_our_models_has_a_spanish_name():
    unnamed = [
        f"{m.__name__}.{f.name}"
        for m in apps.get_models()
        if m._meta.app_label in ("accounts", "patients", "scheduling", "ai_reports", "billing")
        for f in m._meta.get_fields()
        if f.concrete
        and not f.auto_created
        and f.name not in ("id", "search_vector")
        and str(f.verbose_name) == f.name.replace("_", " ")
        and f.name not in SAME_IN_SPANISH
    ]
    assert unnamed == []


# --- no clinical content anywhere ---------------------------------------------------------------------


def test_every_admin_page_renders_and_none_shows_clinical_text(operator, victim, practice):  # noqa: F811
    billing.credits_grant(practice=practice, amount=Decimal("5"), reason="prueba", kind=EntryKind.ADJUSTMENT)
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        listing = operator.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        assert listing.status_code == 200, info
        assert MARK not in listing.content.decode(), info
        if model_admin.search_fields:
            found = operator.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"), {"q": MARK})
            assert found.status_code == 200 and found.context["cl"].result_count == 0, info
        if model_admin.has_add_permission(listing.wsgi_request):
            assert operator.get(reverse(f"admin:{info[0]}_{info[1]}_add")).status_code == 200, info
        for obj in model._default_manager.all()[:3]:
            page = operator.get(reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk]))
            assert page.status_code == 200, (info, obj.pk)
            assert MARK not in page.content.decode(), (info, obj.pk)
    for entry in LogEntry.objects.all():
        assert MARK not in operator.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).content.decode(), (
            entry.content_type
        )
    export = operator.get(reverse("admin:auditlog_logentry_export"))
    assert export.status_code == 200 and MARK not in b"".join(export.streaming_content).decode()
    data = operator.post(
        reverse("admin:accounts_practice_changelist"), {"action": "export_data", "_selected_action": [practice.pk]}
    )
    body = data.content.decode()
    assert data["Content-Type"] == "application/json" and MARK not in body and "Paciente Víctima" in body
    assert json.loads(body)[0]["sessions"]


# --- dashboard -------------------------------------------------------------------------------------------


def _activity(practice, therapist, n: int):
    patient = patient_for(therapist.memberships.get(practice=practice))
    now = timezone.now()
    for i in range(n):
        start = now - timedelta(days=i % 40, hours=1)
        Session.objects.create(
            practice=practice,
            patient=patient,
            therapist=therapist,
            starts_at=start,
            ends_at=start + timedelta(minutes=50),
            status=("completed", "scheduled", "cancelled")[i % 3],
        )
        CreditLedgerEntry.objects.create(
            practice=practice,
            kind=EntryKind.USAGE,
            amount=Decimal("-1.5"),
            operation="progress_report",
            tier="balanced",
            model="gemini",
            patient_id=patient.pk,
        )


def test_dashboard_figures_equal_independent_queries(operator, therapist_member, other_admin_member):
    practice = therapist_member.practice
    billing.subscription_start(practice=practice)
    _activity(practice, therapist_member.user, 30)
    Practice.objects.create(name="Suspendida", is_active=False)
    figures = dashboard()
    assert figures["practices"]["active"] == Practice.objects.filter(is_active=True).count()
    assert figures["practices"]["suspended"] == 1
    first_week = timezone.make_aware(
        timezone.datetime.combine(
            timezone.localdate() - timedelta(days=timezone.localdate().weekday(), weeks=11),
            timezone.datetime.min.time(),
        )
    )
    in_window = Session.objects.filter(starts_at__gte=first_week, starts_at__lt=first_week + timedelta(weeks=12))
    assert sum(w["booked"] for w in figures["sessions_weeks"]) == in_window.exclude(status="cancelled").count()
    assert sum(w["completed"] for w in figures["sessions_weeks"]) == in_window.filter(status="completed").count()
    usage = CreditLedgerEntry.objects.filter(
        kind="usage", created_at__gte=timezone.now() - timedelta(days=29, hours=23)
    )
    assert figures["usage"]["total"] == -sum(e.amount for e in usage)
    (top,) = figures["top_practices"]
    assert top["practice_id"] == practice.pk and top["credits"] == Decimal("45.0") and top["calls"] == 30
    trial_end = Subscription.objects.get(practice=practice)
    Subscription.objects.filter(pk=trial_end.pk).update(renewal_date=timezone.localdate() + timedelta(days=3))
    assert [s.practice_id for s in dashboard()["trials"]] == [practice.pk]
    page = operator.get("/admin/").content.decode()
    assert "Sesiones por semana" in page and "<svg" in page and practice.name in page


def test_dashboard_query_count_does_not_grow_with_data(operator, therapist_member):
    practice = therapist_member.practice
    _activity(practice, therapist_member.user, 5)
    operator.get("/admin/")  # the first request writes the session's last-seen time; later ones within 30 s do not
    with CaptureQueriesContext(connection) as small:
        assert operator.get("/admin/").status_code == 200
    _activity(practice, therapist_member.user, 60)
    for i in range(5):
        Practice.objects.create(name=f"Consulta {i}")
    with CaptureQueriesContext(connection) as large:
        assert operator.get("/admin/").status_code == 200
    assert [q["sql"][:60] for q in large] == [q["sql"][:60] for q in small] and len(large) <= 25


# --- the practice page and its actions ----------------------------------------------------------------------


def test_the_practice_page_shows_plan_balance_usage_and_storage(operator, therapist_member):
    practice = therapist_member.practice
    billing.subscription_start(practice=practice)
    _activity(practice, therapist_member.user, 3)
    page = operator.get(reverse("admin:accounts_practice_change", args=[practice.pk])).content.decode()
    for expected in (
        "saldo (créditos)",
        "Uso de IA por día",
        "Libro de créditos",
        "almacenamiento",
        therapist_member.user.email,
    ):
        assert expected in page, expected


def test_the_practice_page_shows_its_outcomes_without_names(operator, therapist_member):
    practice = therapist_member.practice
    now = timezone.now()
    for index, (first, last) in enumerate([(16, 8), (20, 12), (6, 13)]):
        patient = patient_for(therapist_member, name=f"Paciente Medido {index}")
        for days, score in ((60, first), (10, last)):
            session = Session.objects.create(
                practice=practice,
                patient=patient,
                therapist=therapist_member.user,
                starts_at=now - timedelta(days=days),
                ends_at=now - timedelta(days=days) + timedelta(hours=1),
                status="completed",
            )
            Assessment.objects.create(session=session, patient=patient, type="phq9", items=[], score=score)
    page = operator.get(reverse("admin:accounts_practice_change", args=[practice.pk])).content.decode()
    assert "Resultados clínicos (últimos 90 días)" in page and "Paciente Medido" not in page
    row = re.search(r"<tr><td>PHQ-9</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'class="num">(\d+)', row) == ["3", "1", "1", "0", "1"]  # measured, then each class
    assert "%" not in row  # fewer than 5 patients: counts only


def test_suspension_blocks_login_and_tokens_and_reactivation_restores_them(
    operator, api, therapist_member, operator_user
):
    tokens = login_tokens(therapist_member.user)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert api.get("/api/auth/profile").status_code == 200
    url = reverse("admin:accounts_practice_changelist")
    operator.post(url, {"action": "suspend_practices", "_selected_action": [therapist_member.practice_id]})
    assert api.get("/api/auth/profile").status_code == 401
    fresh = api.post("/api/auth/login", {"email": therapist_member.user.email, "password": PASSWORD}, format="json")
    assert fresh.status_code == 401 and fresh.json()["code"] == "practice_suspended"
    entry = LogEntry.objects.filter(object_pk=str(therapist_member.practice_id), content_type__model="practice").latest(
        "timestamp"
    )
    assert entry.actor == operator_user and entry.changes["is_active"] == ["True", "False"]
    operator.post(url, {"action": "reactivate_practices", "_selected_action": [therapist_member.practice_id]})
    assert api.get("/api/auth/profile").status_code == 200  # the same token works again: nothing was revoked
    api.credentials()
    assert (
        api.post(
            "/api/auth/login", {"email": therapist_member.user.email, "password": PASSWORD}, format="json"
        ).status_code
        == 200
    )


def test_grant_credits_and_change_plan_from_the_practice_list(operator, practice, operator_user):
    billing.subscription_start(practice=practice)
    url = reverse("admin:accounts_practice_changelist")
    form = operator.post(url, {"action": "grant_credits", "_selected_action": [practice.pk]})
    assert form.status_code == 200 and "Motivo" in form.content.decode()
    operator.post(
        url,
        {
            "action": "grant_credits",
            "_selected_action": [practice.pk],
            "apply": "1",
            "amount": "120",
            "reason": "Cortesía",
        },
    )
    grant = CreditLedgerEntry.objects.get(practice=practice, kind=EntryKind.ADJUSTMENT)
    assert grant.amount == Decimal("120") and grant.reason == "Cortesía" and grant.actor == operator_user
    plan = Plan.objects.create(name="Profesional", price_usd=Decimal("49"), credits_per_month=Decimal("3000"))
    operator.post(url, {"action": "change_plan", "_selected_action": [practice.pk], "apply": "1", "plan": str(plan.pk)})
    assert Subscription.objects.get(practice=practice).plan == plan
    assert LogEntry.objects.filter(
        content_type__model="subscription", object_pk=str(practice.pk), actor=operator_user
    ).exists()


def test_the_audit_log_filters_by_dates_and_exports_what_is_filtered(operator, therapist_member):
    patient = patient_for(therapist_member, name="Auditada Pérez")
    listing = operator.get(
        reverse("admin:auditlog_logentry_changelist"),
        {"timestamp__gte": timezone.localdate().isoformat(), "action__exact": "0"},
    )
    assert listing.status_code == 200 and listing.context["cl"].result_count >= 1
    assert "Exportar CSV" in listing.content.decode()
    export = operator.get(
        reverse("admin:auditlog_logentry_export"), {"timestamp__gte": "2001-01-01", "timestamp__lt": "2001-01-02"}
    )
    assert b"".join(export.streaming_content).decode().strip().count("\n") == 0  # header only: nothing that day
    export = operator.get(reverse("admin:auditlog_logentry_export"), {"q": "Auditada"})
    rows = b"".join(export.streaming_content).decode().strip().splitlines()
    assert rows[0].startswith("timestamp,action,model") and any(str(patient.pk) in row for row in rows[1:])


def test_superusers_are_staff_that_need_totp_too(client, db):
    user = User.objects.create_superuser(email="root@sessai.com", password="OpsClave123", name="Root")
    client.force_login(user)  # a session from somewhere else, without the second step
    assert client.get("/admin/").status_code == 302
    console_login(client, user)
    assert client.get("/admin/").status_code == 200
