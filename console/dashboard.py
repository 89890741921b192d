"""The console's operations dashboard: how the platform is doing, from aggregate queries only.

Every figure is one GROUP BY or COUNT over an index (a constant number of queries, whatever the
data size; a test holds the count), and the charts are SVG drawn here: no script, so the console's
Content-Security-Policy stays strict. No clinical content is read."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.choices import Role
from accounts.models import Membership, OutgoingEmail, Practice
from ai_reports.models import Recording
from billing.choices import EntryKind, Operation
from billing.models import CreditAccount, CreditLedgerEntry, Subscription
from billing.selectors import ledger_history
from patients.models import ExportPackage, Patient, PrivacyRequest
from patients.services.data_rights import OPEN
from scheduling.models import Attachment, Session
from scheduling.outcomes import NORMS, practice_outcomes

WEEKS = 12
DAYS = 30
LOW_BALANCE = Decimal("50")  # credits: "near zero" (a few reports)
TRIAL_WARNING_DAYS = 7
PALETTE = ["#4f46e5", "#10b981", "#f59e0b", "#ef4444", "#06b6d4", "#8b5cf6", "#84cc16", "#ec4899", "#64748b", "#14b8a6"]


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def _midnight(day):
    """The start of a local day, as an aware datetime."""
    return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()), _tz())


def _week_starts(today):
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]


def practices_and_members() -> dict:
    practices = Practice.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)), suspended=Count("pk", filter=Q(is_active=False))
    )
    counts = dict(
        Membership.objects.active()
        .filter(practice__is_active=True)
        .values_list("role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    roles = {str(label): counts[value] for value, label in Role.choices if value in counts}
    return {**practices, "members": sum(counts.values()), "roles": roles}


def sessions_per_week(today) -> list[dict]:
    weeks = _week_starts(today)
    start = _midnight(weeks[0])
    end = start + timedelta(weeks=WEEKS)
    rows = (
        Session.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .annotate(week=TruncWeek("starts_at", tzinfo=_tz()))
        .values("week")
        .annotate(
            booked=Count("status", filter=~Q(status="cancelled")),
            completed=Count("status", filter=Q(status="completed")),
        )
        .order_by()
    )
    by_week = {row["week"].date(): row for row in rows}
    return [
        {
            "label": w.strftime("%d/%m"),
            "booked": by_week.get(w, {}).get("booked", 0),
            "completed": by_week.get(w, {}).get("completed", 0),
        }
        for w in weeks
    ]


def ai_usage_per_day(today, practice_id=None) -> dict:
    """Credits used per day of the last DAYS, split by operation and tier (platform-wide) or by
    operation (one practice's page)."""
    days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    usage = CreditLedgerEntry.objects.filter(kind=EntryKind.USAGE, created_at__gte=_midnight(days[0]))
    groups = ["day", "operation"]
    if practice_id:
        usage = usage.filter(practice_id=practice_id)
    else:
        groups.append("tier")
    rows = (
        usage.annotate(day=TruncDate("created_at", tzinfo=_tz()))
        .values(*groups)
        .annotate(credits=Sum("amount"), calls=Count("pk"))
        .order_by()
    )
    labels = dict(Operation.choices)
    series: dict = {}
    for row in rows:
        key = str(labels.get(row["operation"], row["operation"] or "—"))
        if "tier" in row:
            key = f"{key} · {row['tier'] or '—'}"
        series.setdefault(key, {})[row["day"]] = -(row["credits"] or Decimal("0"))
    return {
        "days": days,
        "series": dict(sorted(series.items())),
        "total": sum((v for s in series.values() for v in s.values()), Decimal("0")),
        "calls": sum(row["calls"] for row in rows),
    }


def credits_per_week(today) -> list[dict]:
    """Credits consumed (usage) against credits put in (monthly grants and top-ups)."""
    weeks = _week_starts(today)
    rows = (
        CreditLedgerEntry.objects.filter(
            created_at__gte=_midnight(weeks[0]), kind__in=[EntryKind.USAGE, EntryKind.GRANT, EntryKind.TOPUP]
        )
        .annotate(week=TruncWeek("created_at", tzinfo=_tz()))
        .values("week")
        .annotate(
            used=Sum("amount", filter=Q(kind=EntryKind.USAGE)), sold=Sum("amount", filter=~Q(kind=EntryKind.USAGE))
        )
        .order_by()
    )
    by_week = {row["week"].date(): row for row in rows}
    return [
        {
            "label": w.strftime("%d/%m"),
            "consumed": -(by_week.get(w, {}).get("used") or Decimal("0")),
            "sold": by_week.get(w, {}).get("sold") or Decimal("0"),
        }
        for w in weeks
    ]


def top_practices(today, limit: int = 10) -> list[dict]:
    since = timezone.now() - timedelta(days=DAYS)
    return list(
        CreditLedgerEntry.objects.filter(kind=EntryKind.USAGE, created_at__gte=since)
        .values("practice_id", "practice__name")
        .annotate(credits=-Sum("amount"), calls=Count("pk"))
        .order_by("-credits", "practice__name")[:limit]
    )


def low_balances(limit: int = 15) -> list:
    return list(
        CreditAccount.objects.filter(balance__lt=LOW_BALANCE, practice__is_active=True)
        .select_related("practice")
        .order_by("balance", "practice__name")[:limit]
    )


def failing_work() -> dict:
    """Failed background jobs by task, and emails that failed or wait too long to be sent."""
    failed = dict(
        ProcrastinateJob.objects.filter(status="failed").values_list("task_name").annotate(n=Count("pk")).order_by()
    )
    stuck = OutgoingEmail.objects.filter(
        sent_at__isnull=True, created_at__lt=timezone.now() - timedelta(hours=1)
    ).count()
    emails = sum(n for task, n in failed.items() if task.startswith("accounts.tasks.send_"))
    return {
        "jobs": dict(sorted(failed.items(), key=lambda kv: -kv[1])),
        "jobs_total": sum(failed.values()),
        "emails_failed": emails,
        "emails_stuck": stuck,
    }


def trials_ending(today) -> list:
    return list(
        Subscription.objects.filter(
            plan__is_trial=True, practice__is_active=True, renewal_date__lte=today + timedelta(days=TRIAL_WARNING_DAYS)
        )
        .select_related("practice")
        .order_by("renewal_date", "practice__name")[:20]
    )


def overdue_requests() -> int:
    return PrivacyRequest.objects.filter(status__in=OPEN, due_at__lt=timezone.now()).count()


# --- charts --------------------------------------------------------------------------------------


def grouped_bars(rows: list[dict], keys: list[tuple[str, str]], *, height: int = 160) -> str:
    """Bars side by side per label; `keys` are (field, legend) pairs."""
    width, pad, bottom = 1100, 36, 22
    top = max([float(row[k]) for row in rows for k, _n in keys] + [1.0])
    slot = (width - pad) / max(len(rows), 1)
    bar = max((slot - 6) / len(keys), 2)
    parts = []
    for i, row in enumerate(rows):
        for j, (key, legend) in enumerate(keys):
            value = float(row[key])
            h = (height - bottom - 8) * value / top
            x, y = pad + i * slot + j * bar + 3, height - bottom - h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} — {}</title></rect>',
                    _f(x),
                    _f(y),
                    _f(bar - 1),
                    _f(h),
                    PALETTE[j],
                    row["label"],
                    legend,
                    _number(row[key]),
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" class="axis">{}</text>', _f(pad + i * slot + slot / 2), height - 6, row["label"]
            )
        )
    parts.append(format_html('<text x="0" y="10" class="axis top">{}</text>', _number(top)))
    return _svg(width, height, parts, [(legend, PALETTE[j]) for j, (_k, legend) in enumerate(keys)])


def stacked_days(usage: dict, *, height: int = 170) -> str:
    days, series = usage["days"], usage["series"]
    if not series:
        return format_html('<p class="empty">{}</p>', _("Sin uso de IA en el período."))
    width, pad, bottom = 1100, 36, 22
    totals = [sum(float(s.get(d, 0)) for s in series.values()) for d in days]
    top = max(totals + [1.0])
    slot = (width - pad) / len(days)
    parts = []
    for i, day in enumerate(days):
        y = height - bottom
        for j, (name, values) in enumerate(series.items()):
            value = float(values.get(day, 0))
            if not value:
                continue
            h = (height - bottom - 8) * value / top
            y -= h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} — {}: {}</title></rect>',
                    _f(pad + i * slot + 1),
                    _f(y),
                    _f(slot - 2),
                    _f(h),
                    PALETTE[j % len(PALETTE)],
                    day.strftime("%d/%m"),
                    name,
                    _number(value),
                )
            )
        if i % 5 == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" class="axis">{}</text>',
                    _f(pad + i * slot + slot / 2),
                    height - 6,
                    day.strftime("%d/%m"),
                )
            )
    parts.append(format_html('<text x="0" y="10" class="axis top">{}</text>', _number(top)))
    return _svg(width, height, parts, [(name, PALETTE[j % len(PALETTE)]) for j, name in enumerate(series)])


def _f(value: float) -> str:
    return f"{value:.1f}"


def _number(value) -> str:
    value = float(value)
    return (
        f"{value:,.0f}".replace(",", ".") if value >= 100 or value == int(value) else f"{value:.1f}".replace(".", ",")
    )


def _svg(width, height, parts, legend) -> str:
    legend_html = format_html_join(
        "", '<span class="legend"><i style="background:{}"></i>{}</span>', ((c, n) for n, c in legend)
    )
    body = mark_safe("".join(parts))  # noqa: S308 (every part went through format_html)
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img" class="chart">{}</svg><div class="legends">{}</div>',
        width,
        height,
        body,
        legend_html,
    )


def dashboard(today=None) -> dict:
    today = today or timezone.localdate()
    weeks = sessions_per_week(today)
    usage = ai_usage_per_day(today)
    credits = credits_per_week(today)
    return {
        "practices": practices_and_members(),
        "sessions_weeks": weeks,
        "sessions_chart": grouped_bars(weeks, [("booked", _("Agendadas")), ("completed", _("Realizadas"))]),
        "usage": usage,
        "usage_chart": stacked_days(usage),
        "credits_weeks": credits,
        "credits_chart": grouped_bars(credits, [("consumed", _("Consumidos")), ("sold", _("Asignados y vendidos"))]),
        "top_practices": top_practices(today),
        "low_balances": low_balances(),
        "low_balance": LOW_BALANCE,
        "failing": failing_work(),
        "trials": trials_ending(today),
        "overdue_requests": overdue_requests(),
    }


# --- one practice ----------------------------------------------------------------------------------


def storage_used(practice_id) -> dict:
    """Bytes of files the practice keeps: attachments, recordings' audio, export packages."""
    attachments = Attachment.objects.filter(session__practice_id=practice_id).aggregate(n=Sum("size"))["n"] or 0
    audio = (
        Recording.objects.filter(practice_id=practice_id, audio_deleted_at__isnull=True)
        .exclude(audio="")
        .aggregate(n=Sum("size"))["n"]
        or 0
    )
    packages = ExportPackage.objects.filter(practice_id=practice_id).exclude(file="").aggregate(n=Sum("size"))["n"] or 0
    return {"attachments": attachments, "audio": audio, "packages": packages, "total": attachments + audio + packages}


def practice_overview(practice) -> dict:
    """The practice page's panel: plan, balance, usage chart, ledger, recent AI use, storage.
    Administrative columns only: the ledger names operations and models, never patients."""
    usage = ai_usage_per_day(timezone.localdate(), practice_id=practice.pk)
    ledger = ledger_history(practice=practice).select_related("actor")[:15]
    return {
        "subscription": Subscription.objects.filter(practice_id=practice.pk).select_related("plan").first(),
        "account": CreditAccount.objects.filter(practice_id=practice.pk).first(),
        "usage": usage,
        "usage_chart": stacked_days(usage),
        "ledger": list(ledger),
        "recent_ai": list(
            CreditLedgerEntry.objects.filter(practice_id=practice.pk, kind=EntryKind.USAGE)
            .select_related("actor")
            .order_by("-created_at")[:10]
        ),
        "storage": storage_used(practice.pk),
        "outcomes": practice_outcomes_both(practice),
    }


OUTCOME_DAYS = 90


def practice_outcomes_both(practice) -> list[dict]:
    """The practice's measured outcomes over the last 90 days, PHQ-9 and GAD-7, as its admins see
    them in the API (scheduling/outcomes.py): counts by change class, no patient names."""
    end = timezone.localdate()
    start = end - timedelta(days=OUTCOME_DAYS)
    return [
        practice_outcomes(practice_id=practice.pk, code=code, start=start, end=end, tz=practice.timezone)
        for code in NORMS
    ]


def practice_admin_export(practice) -> dict:
    """What a practice holds, as an operator may see it: the portability export's administrative
    fields (members, plan, ledger, patients' identification and counts, sessions' dates and
    statuses), never clinical content."""
    subscription = Subscription.objects.filter(practice=practice).select_related("plan").first()
    return {
        "practice": {
            "id": practice.pk,
            "name": practice.name,
            "slug": practice.slug,
            "country": practice.country,
            "timezone": practice.timezone,
            "isActive": practice.is_active,
            "createdAt": practice.created_at,
        },
        "subscription": {"plan": subscription.plan.name, "renewalDate": subscription.renewal_date}
        if subscription
        else None,
        "members": list(
            Membership.objects.filter(practice=practice)
            .values("user_id", "user__name", "user__email", "role", "is_active", "created_at")
            .order_by("created_at")
        ),
        "ledger": list(
            CreditLedgerEntry.objects.filter(practice=practice)
            .values(
                "id",
                "created_at",
                "kind",
                "amount",
                "operation",
                "model",
                "tier",
                "input_tokens",
                "output_tokens",
                "reason",
            )
            .order_by("created_at")
        ),
        "patients": list(
            Patient.objects.filter(practice=practice)
            .values(
                "id",
                "name",
                "rut",
                "email",
                "phone",
                "status",
                "created_at",
                "total_sessions",
                "first_session_date",
                "last_session_date",
            )
            .order_by("created_at")
        ),
        "sessions": list(
            Session.objects.filter(practice=practice)
            .values("id", "patient_id", "therapist_id", "starts_at", "ends_at", "status", "type", "source")
            .order_by("starts_at")
            .iterator(chunk_size=5000)
        ),
    }
