"""Read side of billing: the admin page's summary, history, daily chart and CSV."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Practice
from billing.choices import VISIBLE_KINDS, EntryKind
from billing.models import CreditAccount, CreditLedgerEntry, Subscription
from billing.services import add_month, balance

# The period's completed sessions, for the average cost per session: a subquery the calendar's
# app provides (scheduling.selectors.completed_sessions_since, registered from its ready()), so
# the summary stays one statement and billing imports nothing above it.
_sessions_since = None


def register_sessions_counter(counter) -> None:
    """`counter(practice_ref, start)`: a subquery expression counting the practice's completed
    sessions that started at or after `start`."""
    global _sessions_since
    _sessions_since = counter


def _period_start(subscription) -> timezone.datetime:
    """The current billing period starts one month before the next renewal."""
    renewal = subscription.renewal_date
    year, month = (renewal.year - 1, 12) if renewal.month == 1 else (renewal.year, renewal.month - 1)
    start = renewal.replace(year=year, month=month, day=1)
    start = start.replace(day=min(renewal.day, (add_month(start) - timedelta(days=1)).day))
    return start


def billing_summary(*, practice) -> dict:
    """planDetails, creditUsage {used, total, remaining} and averageCost.perSession for the current
    period: credits used divided by the sessions recorded (completed) in it. Two statements: the
    subscription with its plan and the balance, then the period's usage and sessions together
    (the period starts from the subscription's renewal date)."""
    account = CreditAccount.objects.filter(practice_id=OuterRef("practice_id")).values("balance")[:1]
    subscription = (
        Subscription.objects.select_related("plan")
        .filter(practice=practice)
        .annotate(remaining=Subquery(account))
        .first()
    )
    if subscription is None:
        return {
            "plan_details": None,
            "credit_usage": {"used": Decimal("0"), "total": Decimal("0"), "remaining": balance(practice)},
            "average_cost": {"per_session": Decimal("0")},
        }
    tz = ZoneInfo(practice.timezone)
    start_day = _period_start(subscription)
    start = timezone.datetime.combine(start_day, timezone.datetime.min.time(), tzinfo=tz)
    usage = (
        CreditLedgerEntry.objects.filter(practice_id=OuterRef("pk"), kind=EntryKind.USAGE, created_at__gte=start)
        .order_by()
        .values("practice_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    completed = _sessions_since(OuterRef("pk"), start) if _sessions_since else Value(0)
    period = Practice.objects.filter(pk=practice.pk).values(used=Subquery(usage), completed=completed).get()
    used = -(period["used"] or Decimal("0"))
    sessions = period["completed"] or 0
    per_session = (used / sessions).quantize(Decimal("0.1")) if sessions else Decimal("0")
    plan = subscription.plan
    return {
        "plan_details": {
            "name": plan.name,
            "price": plan.price_usd,
            "credits_per_month": plan.credits_per_month,
            "renewal_date": subscription.renewal_date,
            "is_trial": plan.is_trial,
        },
        "credit_usage": {
            "used": used,
            "total": plan.credits_per_month,
            "remaining": subscription.remaining if subscription.remaining is not None else Decimal("0"),
        },
        "average_cost": {"per_session": per_session},
    }


def ledger_history(*, practice, kinds=VISIBLE_KINDS):
    """The movements a person reads (all visible kinds by default: grants, usage, top-ups,
    adjustments, refunds), newest first."""
    return CreditLedgerEntry.objects.filter(practice=practice, kind__in=kinds).order_by("-created_at", "-id")


def daily_usage(*, practice, days: int) -> list[dict]:
    """Credits used per local day for the last `days` days, zero-filled, oldest first."""
    tz = ZoneInfo(practice.timezone)
    today = timezone.localtime(timezone=tz).date()
    first = today - timedelta(days=days - 1)
    start = timezone.datetime.combine(first, timezone.datetime.min.time(), tzinfo=tz)
    rows = (
        CreditLedgerEntry.objects.filter(practice=practice, kind=EntryKind.USAGE, created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(total=Sum("amount"))
    )
    by_day = {row["day"]: -row["total"] for row in rows}
    return [
        {"date": first + timedelta(days=i), "credits": by_day.get(first + timedelta(days=i), Decimal("0"))}
        for i in range(days)
    ]


def usage_totals(*, practice, since) -> dict:
    return CreditLedgerEntry.objects.filter(practice=practice, created_at__gte=since).aggregate(
        used=Sum("amount", filter=Q(kind=EntryKind.USAGE)), operations=Count("id", filter=Q(kind=EntryKind.USAGE))
    )
