"""Read side of billing: the admin page's summary, history, daily chart and CSV."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from billing.choices import VISIBLE_KINDS, EntryKind
from billing.models import CreditLedgerEntry, Subscription
from billing.services import add_month, balance
from scheduling.choices import SessionStatus  # billing reads the sessions count, never writes scheduling data
from scheduling.models import Session


def _period_start(subscription) -> timezone.datetime:
    """The current billing period starts one month before the next renewal."""
    renewal = subscription.renewal_date
    year, month = (renewal.year - 1, 12) if renewal.month == 1 else (renewal.year, renewal.month - 1)
    start = renewal.replace(year=year, month=month, day=1)
    start = start.replace(day=min(renewal.day, (add_month(start) - timedelta(days=1)).day))
    return start


def billing_summary(*, practice) -> dict:
    """planDetails, creditUsage {used, total, remaining} and averageCost.perSession for the current
    period: credits used divided by the sessions recorded (completed) in it."""
    subscription = Subscription.objects.select_related("plan").filter(practice=practice).first()
    if subscription is None:
        return {"plan_details": None, "credit_usage": {"used": Decimal("0"), "total": Decimal("0"), "remaining": balance(practice)},
                "average_cost": {"per_session": Decimal("0")}}
    tz = ZoneInfo(practice.timezone)
    start_day = _period_start(subscription)
    start = timezone.datetime.combine(start_day, timezone.datetime.min.time(), tzinfo=tz)
    used = -(CreditLedgerEntry.objects.filter(practice=practice, kind=EntryKind.USAGE, created_at__gte=start)
             .aggregate(total=Sum("amount"))["total"] or Decimal("0"))
    sessions = Session.objects.filter(practice=practice, status=SessionStatus.COMPLETED, starts_at__gte=start).count()
    per_session = (used / sessions).quantize(Decimal("0.1")) if sessions else Decimal("0")
    plan = subscription.plan
    return {
        "plan_details": {"name": plan.name, "price": plan.price_usd, "credits_per_month": plan.credits_per_month,
                         "renewal_date": subscription.renewal_date, "is_trial": plan.is_trial},
        "credit_usage": {"used": used, "total": plan.credits_per_month, "remaining": balance(practice)},
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
    return [{"date": first + timedelta(days=i), "credits": by_day.get(first + timedelta(days=i), Decimal("0"))} for i in range(days)]


def usage_totals(*, practice, since) -> dict:
    return CreditLedgerEntry.objects.filter(practice=practice, created_at__gte=since).aggregate(
        used=Sum("amount", filter=Q(kind=EntryKind.USAGE)), operations=Count("id", filter=Q(kind=EntryKind.USAGE))
    )
