"""Credits: price math, reservations and settlement, grants and renewals. Every movement is one
appended ledger row written under the practice's CreditAccount row lock, together with the cached
balance, so concurrent requests can never spend the same credits twice."""

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.choices import EntryKind, Operation
from billing.models import CreditAccount, CreditLedgerEntry, Plan, Subscription
from sessai.errors import DomainError

logger = logging.getLogger("sessai.billing")

CREDITS_PER_USD = Decimal("100")
TENTH = Decimal("0.1")


class InsufficientCredits(DomainError):
    status_code = 402
    code = "insufficient_credits"
    default_message = _(
        "No tienes créditos suficientes para esta operación. Recarga créditos o espera la renovación de tu plan."
    )


def credits_for(*, input_tokens: int, output_tokens: int, input_price: Decimal, output_price: Decimal) -> Decimal:
    """(in × inPrice + out × outPrice) / 1e6 USD × 100 credits/USD, rounded up to 0.1 credit."""
    usd = (Decimal(input_tokens) * Decimal(input_price) + Decimal(output_tokens) * Decimal(output_price)) / Decimal(
        1_000_000
    )
    return (usd * CREDITS_PER_USD).quantize(TENTH, rounding=ROUND_CEILING)


def _account(practice_id) -> CreditAccount:
    """The practice's account, locked for this transaction (created on first use)."""
    CreditAccount.objects.get_or_create(practice_id=practice_id)
    return CreditAccount.objects.select_for_update().get(practice_id=practice_id)


def _post(
    account: CreditAccount, *, kind: str, amount: Decimal, allow_negative: bool = False, **fields
) -> CreditLedgerEntry:
    new_balance = account.balance + amount
    if amount < 0 and new_balance < 0 and not allow_negative:
        raise InsufficientCredits()
    entry = CreditLedgerEntry.objects.create(practice_id=account.practice_id, kind=kind, amount=amount, **fields)
    account.balance = new_balance
    account.save(update_fields=["balance", "updated_at"])
    return entry


def balance(practice) -> Decimal:
    account = CreditAccount.objects.filter(practice=practice).first()
    return account.balance if account else Decimal("0")


@dataclass
class Usage:
    credits: Decimal
    input_tokens: int
    output_tokens: int
    model: str
    tier: str


@transaction.atomic
def credits_reserve(
    *, practice, amount: Decimal, actor, operation: str, patient_id=None, tier: str = ""
) -> CreditLedgerEntry:
    """Hold the most an AI call can cost before calling the provider. 402 when it cannot be
    covered (and at zero balance, whatever the price)."""
    account = _account(practice.pk)
    if account.balance <= 0:
        raise InsufficientCredits()
    return _post(
        account,
        kind=EntryKind.RESERVATION,
        amount=-amount,
        actor=actor,
        operation=operation,
        patient_id=patient_id,
        tier=tier,
    )


@transaction.atomic
def credits_settle(*, reservation: CreditLedgerEntry, usage: Usage, report_id=None) -> CreditLedgerEntry:
    """Release the hold and charge the real cost (never more than was held)."""
    account = _account(reservation.practice_id)
    held = -reservation.amount
    charged = usage.credits
    if charged > held:
        logger.warning(
            "AI cost above its reservation; charging the reservation", extra={"reservation": str(reservation.pk)}
        )
        charged = held
    common = {
        "actor_id": reservation.actor_id,
        "operation": reservation.operation,
        "patient_id": reservation.patient_id,
    }
    # the sweep of stale holds may have given this hold back already (a call that outlived
    # CREDITS_HOLD_MAX_SECONDS): then only the usage is charged, never a second release
    CreditLedgerEntry.objects.select_for_update().filter(pk=reservation.pk).first()
    if not reservation.settlements.filter(kind=EntryKind.RELEASE).exists():
        _post(account, kind=EntryKind.RELEASE, amount=held, reservation=reservation, **common)
    return _post(
        account,
        kind=EntryKind.USAGE,
        amount=-charged,
        reservation=reservation,
        model=usage.model,
        tier=usage.tier,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        report_id=report_id,
        **common,
    )


@transaction.atomic
def credits_release(*, reservation: CreditLedgerEntry) -> bool:
    """The call failed: give the hold back; it costs nothing. False when it was given back (or
    settled) already."""
    account = _account(reservation.practice_id)
    CreditLedgerEntry.objects.select_for_update().filter(pk=reservation.pk).first()  # one release, whoever comes second
    if reservation.settlements.filter(kind=EntryKind.RELEASE).exists():
        return False
    _post(
        account,
        kind=EntryKind.RELEASE,
        amount=-reservation.amount,
        reservation=reservation,
        actor_id=reservation.actor_id,
        operation=reservation.operation,
        patient_id=reservation.patient_id,
    )
    return True


@transaction.atomic
def subscription_plan_set(*, practice, plan) -> Subscription:
    """The practice's plan from now on; a practice without a subscription starts one on it."""
    subscription = Subscription.objects.select_for_update().filter(practice=practice).first()
    if subscription is None:
        return subscription_start(practice=practice, plan=plan)
    if subscription.plan_id != plan.pk:
        subscription.plan = plan
        subscription.save(update_fields=["plan", "updated_at"])
    return subscription


def holds_release_stale(*, now=None) -> int:
    """Holds whose AI call never settled or released them, older than CREDITS_HOLD_MAX_SECONDS:
    the process that made the call died (a killed worker, a web process restarted mid-call), so
    the hold is given back; the retry holds and charges on its own. A transcription's hold is
    left: its recording owns it until the transcription settles it or fails and releases it."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.CREDITS_HOLD_MAX_SECONDS)
    stale = (
        CreditLedgerEntry.objects.filter(kind=EntryKind.RESERVATION, created_at__lt=cutoff)
        .exclude(operation=Operation.TRANSCRIPTION)
        .exclude(settlements__kind__in=[EntryKind.RELEASE, EntryKind.USAGE])
    )
    # credits_release locks the hold and re-checks it: a settle that got there first wins
    return sum(credits_release(reservation=reservation) for reservation in stale.iterator())


@transaction.atomic
def credits_grant(
    *, practice, amount: Decimal, reason: str = "", actor=None, kind: str = EntryKind.ADJUSTMENT, period: str = ""
) -> CreditLedgerEntry:
    """Add (or, for a negative adjustment, remove) credits. A negative adjustment may not take
    the balance below zero."""
    account = _account(practice.pk)
    return _post(account, kind=kind, amount=Decimal(amount), reason=reason[:300], actor=actor, period=period)


def add_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def trial_plan() -> Plan:
    plan, _ = Plan.objects.get_or_create(
        name=settings.TRIAL_PLAN_NAME,
        defaults={"price_usd": Decimal("0"), "credits_per_month": settings.TRIAL_CREDITS, "is_trial": True},
    )
    return plan


@transaction.atomic
def subscription_start(*, practice, plan: Plan | None = None, today: date | None = None) -> Subscription:
    """A new practice starts on the trial plan with its initial grant (idempotent)."""
    today = today or timezone.localdate()
    subscription, created = Subscription.objects.get_or_create(
        practice=practice, defaults={"plan": plan or trial_plan(), "renewal_date": add_month(today)}
    )
    if created:
        _grant_period(subscription, period_start=today)
    return subscription


def _grant_period(subscription: Subscription, *, period_start: date) -> bool:
    """The plan's monthly credits for the period starting `period_start`; False if already granted."""
    try:
        with transaction.atomic():
            credits_grant(
                practice=subscription.practice,
                amount=subscription.plan.credits_per_month,
                kind=EntryKind.GRANT,
                period=period_start.strftime("%Y-%m"),
                reason=f"{subscription.plan.name} {period_start:%Y-%m}",
            )
        return True
    except IntegrityError:
        return False


def renew_due(*, today: date | None = None) -> int:
    """Grant each practice whose renewal date has come its monthly credits, once per period, and
    move the renewal date on. Safe to run daily, twice, or concurrently."""
    today = today or timezone.localdate()
    granted = 0
    for practice_id in Subscription.objects.filter(renewal_date__lte=today).values_list("practice_id", flat=True):
        with transaction.atomic():
            subscription = (
                Subscription.objects.select_for_update().select_related("plan", "practice").get(practice_id=practice_id)
            )
            while subscription.renewal_date <= today:
                granted += _grant_period(subscription, period_start=subscription.renewal_date)
                subscription.renewal_date = add_month(subscription.renewal_date)
            subscription.save(update_fields=["renewal_date", "updated_at"])
    return granted
