"""Credits: exact Decimal math, the append-only ledger, reservations under concurrency, renewals,
operator commands, the billing endpoints and the console."""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import Practice
from billing import services
from billing.choices import EntryKind, Operation
from billing.models import CreditAccount, CreditLedgerEntry, Plan, Subscription
from billing.tasks import release_stale_holds
from patients.tests.factories import patient_for
from scheduling.models import Session
from sessai import scope

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("America/Santiago")


# --- Math -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tokens_in, tokens_out, price_in, price_out, expected",
    [
        (1000, 500, "0.30", "2.50", "0.2"),  # 0.155 → 0.2
        (1_000_000, 0, "0.30", "2.50", "30.0"),  # exactly $0.30
        (0, 0, "0.30", "2.50", "0.0"),
        (1, 0, "0.10", "0.40", "0.1"),  # 0.00001 → rounded up to 0.1
        (800, 300, "0.30", "2.50", "0.1"),  # 0.099 → 0.1
        (1000, 1000, "1.25", "10.00", "1.2"),  # 1.125 → 1.2
        (3333, 3333, "0.30", "2.50", "1.0"),  # 0.93324 → 1.0
        (100_000, 100_000, "0.30", "2.50", "28.0"),
    ],
)
def test_credit_math_is_exact_decimal_rounded_up_to_a_tenth(tokens_in, tokens_out, price_in, price_out, expected):
    credits = services.credits_for(
        input_tokens=tokens_in, output_tokens=tokens_out, input_price=Decimal(price_in), output_price=Decimal(price_out)
    )
    assert credits == Decimal(expected) and isinstance(credits, Decimal)


# --- Ledger ---------------------------------------------------------------------------------


@pytest.fixture
def funded(practice):
    services.subscription_start(practice=practice, today=date(2026, 3, 15))
    return practice


def test_new_practices_start_on_the_trial_with_a_grant(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            "/api/auth/register",
            {
                "name": "Nueva Consulta",
                "email": "nueva@clinica.cl",
                "password": "Segura123",
                "confirmPassword": "Segura123",
                "role": "admin",
                "acceptTerms": True,
            },
            format="json",
        )
    practice = Practice.objects.get()
    assert practice.subscription.plan.is_trial and services.balance(practice) == Decimal("500")
    [grant] = CreditLedgerEntry.objects.filter(practice=practice)
    assert grant.kind == EntryKind.GRANT and grant.amount == Decimal("500")


def test_ledger_rows_are_never_updated_or_deleted(funded):
    entry = CreditLedgerEntry.objects.get(practice=funded)
    entry.amount = Decimal("1000")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        CreditLedgerEntry.objects.filter(practice=funded).update(amount=0)
    with pytest.raises(PermissionError):
        CreditLedgerEntry.objects.filter(practice=funded).delete()
    # The database refuses too, whatever the code path.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE billing_creditledgerentry SET amount = 0")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM billing_creditledgerentry")
    assert CreditLedgerEntry.objects.get(practice=funded).amount == Decimal("500")


def test_reserve_settle_release(funded, admin_member):
    reservation = services.credits_reserve(
        practice=funded, amount=Decimal("10.0"), actor=admin_member.user, operation=Operation.PROGRESS_REPORT
    )
    assert services.balance(funded) == Decimal("490.0")
    services.credits_settle(
        reservation=reservation, usage=services.Usage(Decimal("2.3"), 100, 200, "gemini-2.5-flash", "balanced")
    )
    assert services.balance(funded) == Decimal("497.7")
    failed = services.credits_reserve(
        practice=funded, amount=Decimal("5"), actor=admin_member.user, operation=Operation.DOCUMENTATION
    )
    services.credits_release(reservation=failed)
    services.credits_release(reservation=failed)  # releasing twice gives back once
    assert services.balance(funded) == Decimal("497.7")
    assert (
        services.balance(funded)
        == CreditLedgerEntry.objects.filter(practice=funded).aggregate(s=__import__("django").db.models.Sum("amount"))[
            "s"
        ]
    )


def test_reservation_above_balance_is_402(funded, admin_member):
    with pytest.raises(services.InsufficientCredits):
        services.credits_reserve(
            practice=funded, amount=Decimal("500.1"), actor=admin_member.user, operation=Operation.DOCUMENTATION
        )
    assert services.balance(funded) == Decimal("500")


@pytest.mark.resilience
@pytest.mark.django_db(transaction=True)
def test_concurrent_charges_never_overspend(practice, admin_member):
    services.credits_grant(practice=practice, amount=Decimal("10"), reason="saldo de prueba", kind=EntryKind.GRANT)
    barrier = threading.Barrier(20)
    outcomes = []

    def charge():  # as an AI request does, in its practice's scope (a new thread starts with none)
        barrier.wait()
        try:
            with scope.in_practice(practice.id):
                reservation = services.credits_reserve(
                    practice=practice, amount=Decimal("1.0"), actor=admin_member.user, operation=Operation.DOCUMENTATION
                )
                services.credits_settle(
                    reservation=reservation, usage=services.Usage(Decimal("1.0"), 10, 10, "m", "fast")
                )
            outcomes.append("ok")
        except services.InsufficientCredits:
            outcomes.append("402")
        finally:
            connection.close()

    threads = [threading.Thread(target=charge) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("ok") == 10 and outcomes.count("402") == 10
    assert services.balance(practice) == Decimal("0")
    assert CreditLedgerEntry.objects.filter(practice=practice, kind=EntryKind.USAGE).count() == 10
    total = sum(e.amount for e in CreditLedgerEntry.objects.filter(practice=practice))
    assert total == Decimal("0") == CreditAccount.objects.get(practice=practice).balance


# --- Renewals and commands ------------------------------------------------------------------


def test_renewals_grant_once_per_period(funded):
    subscription = Subscription.objects.get(practice=funded)
    subscription.plan = Plan.objects.get(name="Plan Profesional")
    subscription.save()
    assert subscription.renewal_date == date(2026, 4, 15)
    assert services.renew_due(today=date(2026, 4, 14)) == 0
    assert services.renew_due(today=date(2026, 4, 15)) == 1
    assert services.renew_due(today=date(2026, 4, 15)) == 0
    assert services.renew_due(today=date(2026, 6, 20)) == 2  # May and June, both missed
    subscription.refresh_from_db()
    assert subscription.renewal_date == date(2026, 7, 15)
    grants = CreditLedgerEntry.objects.filter(practice=funded, kind=EntryKind.GRANT).order_by("period")
    assert [g.period for g in grants] == ["2026-03", "2026-04", "2026-05", "2026-06"]
    assert services.balance(funded) == Decimal("500") + 3 * Decimal("4900")


def test_month_ends_are_clamped():
    assert services.add_month(date(2026, 1, 31)) == date(2026, 2, 28)
    assert services.add_month(date(2026, 12, 15)) == date(2027, 1, 15)


def test_renew_credits_command(funded):
    Subscription.objects.filter(practice=funded).update(renewal_date=date(2020, 1, 1))
    call_command("renew_credits")
    call_command("renew_credits")
    assert Subscription.objects.get(practice=funded).renewal_date > date.today()


def test_grant_credits_command(funded, capsys):
    call_command("grant_credits", funded.name, "150.5", "--reason", "Compensación por caída")
    call_command("grant_credits", str(funded.pk), "-50", "--reason", "Corrección")
    assert services.balance(funded) == Decimal("600.5")
    entry = CreditLedgerEntry.objects.filter(practice=funded, kind=EntryKind.ADJUSTMENT).order_by("created_at").first()
    assert entry.reason == "Compensación por caída"
    with pytest.raises(CommandError):
        call_command("grant_credits", funded.name, "-10000", "--reason", "demasiado")
    with pytest.raises(CommandError):
        call_command("grant_credits", "No existe", "10", "--reason", "x")
    with pytest.raises(CommandError):
        call_command("grant_credits", funded.name, "diez", "--reason", "x")


# --- Endpoints ------------------------------------------------------------------------------


def _usage(practice, actor, credits, when, patient_id=None):
    reservation = services.credits_reserve(
        practice=practice, amount=Decimal(credits), actor=actor, operation=Operation.PROGRESS_REPORT, tier="balanced"
    )
    entry = services.credits_settle(
        reservation=reservation, usage=services.Usage(Decimal(credits), 1000, 500, "gemini-2.5-flash", "balanced")
    )
    return entry


def test_billing_summary(as_admin, funded, admin_member):
    _usage(funded, admin_member.user, "25.5", None)
    _usage(funded, admin_member.user, "30.1", None)
    patient = patient_for(admin_member)
    for day in (16, 17):
        Session.objects.create(
            practice=funded,
            patient=patient,
            therapist=admin_member.user,
            status="completed",
            starts_at=datetime.now(TZ).replace(day=day, hour=10),
            ends_at=datetime.now(TZ).replace(day=day, hour=11),
        )
    body = as_admin.get("/api/admin/billing/summary").json()
    assert body["planDetails"]["name"] == "Prueba" and body["planDetails"]["renewalDate"] == "2026-04-15"
    assert body["creditUsage"] == {"used": 55.6, "total": 500.0, "remaining": 444.4}
    assert body["averageCost"] == {"perSession": 27.8}  # credits used in the period / sessions recorded in it
    assert body["planDetails"]["price"] == 0 and body["planDetails"]["creditsPerMonth"] == 500


def test_billing_history_shape_and_pagination(as_admin, funded, admin_member):
    for credits in ("1.0", "2.0", "3.0"):
        _usage(funded, admin_member.user, credits, None)
    body = as_admin.get("/api/admin/billing/history", {"page": 1, "limit": 2, "kind": "all"}).json()
    assert body["pagination"] == {"currentPage": 1, "totalPages": 2, "totalItems": 4}
    first = body["history"][0]
    assert set(first) >= {"id", "date", "type", "model", "credits", "patientId"}
    assert (first["type"], first["model"], first["credits"], first["kind"]) == (
        "Informe de Progreso",
        "Equilibrado",
        3.0,
        "usage",
    )
    last = as_admin.get("/api/admin/billing/history", {"page": 2, "limit": 2, "kind": "all"}).json()["history"]
    assert [h["kind"] for h in last] == ["usage", "grant"]
    assert as_admin.get("/api/admin/billing/history", {"page": 0}).status_code == 400


def test_billing_history_is_the_consumption_by_default_and_filters_by_kind(as_admin, funded, admin_member):
    """ "Historial de Consumo Reciente" lists usage only; grants come with ?kind=grant (or all)."""
    _usage(funded, admin_member.user, "1.0", None)
    default = as_admin.get("/api/admin/billing/history").json()
    assert [h["kind"] for h in default["history"]] == ["usage"] and default["pagination"]["totalItems"] == 1
    grants = as_admin.get("/api/admin/billing/history", {"kind": "grant"}).json()["history"]
    assert [h["kind"] for h in grants] == ["grant"]
    assert len(as_admin.get("/api/admin/billing/history", {"kind": "all"}).json()["history"]) == 2
    bad = as_admin.get("/api/admin/billing/history", {"kind": "gift"})
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]


def test_billing_daily_and_csv(as_admin, funded, admin_member):
    _usage(funded, admin_member.user, "4.5", None)
    daily = as_admin.get("/api/admin/billing/daily", {"days": 30}).json()
    assert len(daily) == 30 and daily[-1]["credits"] == 4.5 and daily[0]["credits"] == 0
    assert as_admin.get("/api/admin/billing/daily", {"days": 0}).status_code == 400
    response = as_admin.get("/api/admin/billing/history.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("id,fecha,tipo") and len(lines) == 3 and ",4.5," in text


@pytest.mark.parametrize(
    "url",
    [
        "/api/admin/billing/summary",
        "/api/admin/billing/history",
        "/api/admin/billing/daily",
        "/api/admin/billing/history.csv",
    ],
)
def test_billing_is_admin_only(as_therapist, as_assistant, api, url):
    assert as_therapist.get(url).status_code == 403
    assert as_assistant.get(url).status_code == 403
    assert api.get(url).status_code == 401


def test_billing_is_per_practice(as_other_admin, funded, admin_member):
    _usage(funded, admin_member.user, "9.9", None)
    assert as_other_admin.get("/api/admin/billing/history").json()["history"] == []


def test_history_query_count_is_constant(as_admin, funded, admin_member, django_assert_max_num_queries):
    for _ in range(30):
        _usage(funded, admin_member.user, "0.5", None)
    with django_assert_max_num_queries(3):
        response = as_admin.get("/api/admin/billing/history", {"limit": 100, "kind": "all"})
    assert len(response.json()["history"]) == 31


# --- Console --------------------------------------------------------------------------------


def test_billing_console(operator, funded):
    for url in (
        "/admin/billing/plan/",
        "/admin/billing/subscription/",
        "/admin/billing/creditaccount/",
        "/admin/billing/creditledgerentry/",
        "/admin/billing/creditledgerentry/?kind__exact=grant",
        "/admin/ai_reports/aimodelprice/",
        "/admin/ai_reports/aireport/",
    ):
        assert operator.get(url).status_code == 200, url
    assert "Total de los movimientos filtrados" in operator.get("/admin/billing/creditledgerentry/").content.decode()
    entry = CreditLedgerEntry.objects.first()
    assert operator.post(f"/admin/billing/creditledgerentry/{entry.pk}/delete/").status_code == 403
    response = operator.post(
        "/admin/billing/subscription/",
        {
            "action": "grant_credits_action",
            "_selected_action": [str(funded.pk)],
            "apply": "1",
            "amount": "25",
            "reason": "Regalo de bienvenida",
        },
    )
    assert response.status_code == 302
    assert services.balance(funded) == Decimal("525")


# --- Holds of AI calls whose process died -----------------------------------------------------------


def _charge(credits) -> services.Usage:
    return services.Usage(credits=Decimal(credits), input_tokens=10, output_tokens=10, model="m", tier="fast")


def test_a_hold_nobody_settled_is_given_back_after_its_time(funded, admin_member):
    start = services.balance(funded)
    dead = services.credits_reserve(
        practice=funded, amount=Decimal("3"), actor=admin_member.user, operation=Operation.SESSION_SUMMARY
    )
    transcription = services.credits_reserve(
        practice=funded, amount=Decimal("2"), actor=admin_member.user, operation=Operation.TRANSCRIPTION
    )
    settled = services.credits_reserve(
        practice=funded, amount=Decimal("4"), actor=admin_member.user, operation=Operation.PROGRESS_REPORT
    )
    services.credits_settle(reservation=settled, usage=_charge("1.5"))
    assert services.holds_release_stale() == 0  # young holds belong to calls still running
    later = timezone.now() + timedelta(seconds=3601)
    assert services.holds_release_stale(now=later) == 1  # the dead one; the recording owns the transcription's
    assert services.holds_release_stale(now=later) == 0  # once
    assert services.balance(funded) == start - Decimal("2") - Decimal("1.5")
    assert dead.settlements.filter(kind=EntryKind.RELEASE).count() == 1
    assert not transcription.settlements.exists()

    # a call that outlived the sweep and settles after it: charged, never released twice
    services.credits_settle(reservation=dead, usage=_charge("1"))
    assert dead.settlements.filter(kind=EntryKind.RELEASE).count() == 1
    assert services.balance(funded) == start - Decimal("2") - Decimal("1.5") - Decimal("1")


@pytest.mark.django_db(transaction=True)
def test_the_sweep_runs_in_the_worker(funded, admin_member, run_jobs, settings):
    settings.CREDITS_HOLD_MAX_SECONDS = 0
    start = services.balance(funded)
    services.credits_reserve(
        practice=funded, amount=Decimal("3"), actor=admin_member.user, operation=Operation.DOCUMENTATION
    )
    assert services.balance(funded) == start - 3
    release_stale_holds.defer(timestamp=int(timezone.now().timestamp()))  # what the periodic tick defers
    run_jobs()
    assert services.balance(funded) == start
