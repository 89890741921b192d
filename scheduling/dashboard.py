"""`GET /api/dashboard`: the four cards, upcoming appointments and recent activity, in the
practice's timezone and scoped to the caller. A fixed handful of aggregate queries.

ai_reports adds its numbers (reports this month, time saved) through `register_contributor`, so
scheduling does not import it (apps depend one way)."""

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from accounts.choices import Role
from patients.choices import PatientStatus
from patients.selectors import patient_scope
from scheduling.choices import SessionStatus
from scheduling.models import RiskAlert, Session

UPCOMING_DAYS = 7
ACTIVITY_LIMIT = 10
_contributors: list[Callable] = []


def register_contributor(fn: Callable) -> None:
    """`fn(membership=, windows=) -> {"metrics": {...}, "activity": [...]}` merged into the answer."""
    _contributors.append(fn)


def windows(tz_name: str, now: datetime | None = None) -> dict:
    """Local calendar windows as aware datetimes: this/last week (Monday start), this/last month."""
    tz = ZoneInfo(tz_name)
    now = (now or timezone.now()).astimezone(tz)
    today = now.date()
    week_start = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    last_month_start = (month_start - timedelta(days=1)).replace(day=1)
    at = lambda day: datetime.combine(day, time.min, tzinfo=tz)  # noqa: E731
    return {
        "now": now,
        "week_start": at(week_start),
        "next_week_start": at(week_start + timedelta(days=7)),
        "last_week_start": at(week_start - timedelta(days=7)),
        "month_start": at(month_start),
        "last_month_start": at(last_month_start),
        "upcoming_end": now + timedelta(days=UPCOMING_DAYS),
    }


def _session_scope(membership):
    qs = Session.objects.filter(practice_id=membership.practice_id)
    return qs.filter(therapist_id=membership.user_id) if membership.role == Role.THERAPIST else qs


def _trend(delta) -> str:
    return "up" if delta and delta > 0 else "down" if delta and delta < 0 else "neutral"


def dashboard(*, membership, now: datetime | None = None) -> dict:
    w = windows(membership.practice.timezone, now)
    patients = patient_scope(membership).aggregate(
        active=Count("id", filter=Q(status=PatientStatus.ACTIVE)),
        new_this_month=Count("id", filter=Q(status=PatientStatus.ACTIVE, created_at__gte=w["month_start"])),
        at_risk=Count(
            "id", filter=Q(Exists(RiskAlert.objects.filter(patient_id=OuterRef("pk"), acknowledged_at__isnull=True)))
        ),
    )
    live = ~Q(status=SessionStatus.CANCELLED)
    sessions = (
        _session_scope(membership)
        .filter(starts_at__gte=w["last_week_start"], starts_at__lt=max(w["next_week_start"], w["upcoming_end"]))
        .aggregate(
            this_week=Count("id", filter=live & Q(starts_at__gte=w["week_start"], starts_at__lt=w["next_week_start"])),
            last_week=Count("id", filter=live & Q(starts_at__lt=w["week_start"])),
            upcoming=Count(
                "id", filter=Q(status=SessionStatus.SCHEDULED, starts_at__gte=w["now"], starts_at__lt=w["upcoming_end"])
            ),
        )
    )
    percent = None
    if sessions["last_week"]:
        percent = round((sessions["this_week"] - sessions["last_week"]) * 100 / sessions["last_week"], 1)
    result = {
        "active_patients": {
            "value": patients["active"],
            "change": patients["new_this_month"],
            "trend": _trend(patients["new_this_month"]),
        },
        "sessions_this_week": {
            "value": sessions["this_week"],
            "previous": sessions["last_week"],
            "change_percent": percent,
            "trend": _trend(sessions["this_week"] - sessions["last_week"]),
        },
        "reports_this_month": {"value": 0, "trend": "neutral"},
        "time_saved_this_week": {"minutes": 0, "hours": 0.0, "trend": "neutral"},
        "upcoming_appointments": sessions["upcoming"],
        "upcoming_window_days": UPCOMING_DAYS,
        "recent_activity": _activity(membership, w),
        # patients with a questionnaire risk alert not reviewed yet; none shown to an assistant
        "patients_at_risk": None if membership.role == Role.ASSISTANT else patients["at_risk"],
    }
    for contribute in _contributors:
        extra = contribute(membership=membership, windows=w)
        result.update(extra.get("metrics", {}))
        result["recent_activity"].extend(extra.get("activity", []))
    latest = sorted(result["recent_activity"], key=lambda a: a["at"], reverse=True)[:ACTIVITY_LIMIT]
    result["recent_activity"] = [_activity_item(item, w["now"]) for item in latest]
    return result


def _activity_item(item: dict, now: datetime) -> dict:
    """The UI reads `patient` and `time` ("Hace 2 horas", in the caller's language); `at` keeps
    the instant, in the practice's offset like every other timestamp."""
    at = item["at"].astimezone(now.tzinfo)
    return {**item, "patient": item["patient_name"], "at": at, "time": relative_time(at, now)}


def relative_time(at: datetime, now: datetime) -> str:
    if now - at < timedelta(minutes=1):
        return _("Hace un momento")
    return _("Hace %(time)s") % {"time": timesince(at, now, depth=1)}


def _activity(membership, w) -> list[dict]:
    scope = (
        _session_scope(membership)
        .select_related("patient")
        .only("id", "starts_at", "ends_at", "created_at", "patient__name")
    )
    completed = scope.filter(
        status=SessionStatus.COMPLETED, starts_at__lte=w["now"], starts_at__gte=w["now"] - timedelta(days=90)
    ).order_by("-starts_at")[:ACTIVITY_LIMIT]
    booked = scope.filter(status=SessionStatus.SCHEDULED, created_at__gte=w["now"] - timedelta(days=90)).order_by(
        "-created_at"
    )[:ACTIVITY_LIMIT]
    items = [
        {"type": "session", "patient_name": s.patient.name, "action": _("Sesión completada"), "at": s.ends_at}
        for s in completed
    ]
    items += [
        {"type": "appointment", "patient_name": s.patient.name, "action": _("Cita programada"), "at": s.created_at}
        for s in booked
    ]
    return items
