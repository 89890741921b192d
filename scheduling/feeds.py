"""The private iCal feed of a therapist (icalendar). Events carry patient initials and times only:
never names, notes or clinical content, since calendar apps sync them to third-party servers."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from scheduling.choices import SessionStatus
from scheduling.models import CalendarFeed, Session
from sessai.secrets import new_token, token_digest

PAST_DAYS, FUTURE_DAYS = 30, 180


LAST_USE_RESOLUTION = timedelta(minutes=5)  # calendar apps poll often: one write per 5 minutes at most


def feed_status(*, membership) -> dict:
    feed = CalendarFeed.objects.filter(membership=membership).first()
    live = feed is not None and (feed.expires_at is None or feed.expires_at > timezone.now())
    return {
        "active": live,
        "url": None,
        "created_at": feed.created_at if feed else None,
        "expires_at": feed.expires_at if feed else None,
        "last_used_at": feed.last_used_at if feed else None,
    }


@transaction.atomic
def feed_rotate(*, membership, expires_in_days: int | None = None) -> str:
    """A new secret for the feed, optionally expiring; the previous link stops working."""
    token = new_token()
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    CalendarFeed.objects.update_or_create(
        membership=membership,
        defaults={
            "token_hash": token_digest(token),
            "expires_at": expires_at,
            "last_used_at": None,
        },
    )
    return token


def feed_revoke(*, membership) -> None:
    CalendarFeed.objects.filter(membership=membership).delete()


def initials(name: str) -> str:
    return ".".join(part[0].upper() for part in name.split() if part) + "."


def feed_named(*, therapist_id, token: str) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(token_hash=token_digest(token), membership__user_id=therapist_id).first()


def feed_ics(*, therapist_id, token: str) -> bytes | None:
    feed = (
        CalendarFeed.objects.select_related("membership__practice", "membership__user")
        .filter(token_hash=token_digest(token), membership__user_id=therapist_id, membership__is_active=True)
        .first()
    )
    now = timezone.now()
    if feed is None or (feed.expires_at is not None and feed.expires_at <= now):
        return None
    if feed.last_used_at is None or now - feed.last_used_at > LAST_USE_RESOLUTION:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    membership = feed.membership
    sessions = (
        Session.objects.filter(
            therapist_id=membership.user_id,
            practice_id=membership.practice_id,
            starts_at__gte=now - timedelta(days=PAST_DAYS),
            starts_at__lte=now + timedelta(days=FUTURE_DAYS),
        )
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("patient")
        .only("id", "starts_at", "ends_at", "status", "type", "updated_at", "patient__name")
        .order_by("starts_at")
    )
    calendar = Calendar()
    calendar.add("prodid", "-//SessAI//Agenda//ES")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"SessAI – {membership.user.name}")
    calendar.add("x-wr-timezone", membership.practice.timezone)
    for session in sessions:
        event = Event()
        event.add("uid", f"{session.id}@sessai")
        event.add("dtstamp", session.updated_at)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", f"Sesión {initials(session.patient.name)}")
        event.add("categories", [session.get_type_display()])
        event.add("status", "CONFIRMED" if session.status == SessionStatus.SCHEDULED else "TENTATIVE")
        calendar.add_component(event)
    return calendar.to_ical()
