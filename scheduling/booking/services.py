"""What patients do on the practice's public pages, without an account: answer a reminder
(confirm or cancel), book a free hour online after proving their email with a 6-digit code, wait
for an hour and claim it when one frees. Every booking takes the same per-therapist lock as the
calendar's (`scheduling.rules`), so an online booking can never double-book against it. A
booked person becomes a patient through `patients.services.patient_find_or_register` only."""

import hashlib
import hmac
import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import emails
from accounts.choices import Role
from accounts.models import Membership, Practice
from patients.services import patient_find_or_register
from scheduling.choices import BookingSource, ConfirmationStatus, SessionStatus, WaitlistStatus
from scheduling.links import appointment_link, offer_link
from scheduling.models import BookingSettings, EmailCode, Session, WaitlistEntry, WaitlistOffer
from scheduling.rules import conflicts_check, slot_check, slot_free, therapist_lock
from scheduling.selectors import free_slots
from scheduling.services.sessions import patient_stats_refresh
from sessai.errors import Conflict, ValidationFailed
from sessai.jobs import defer_on_commit

CODE_ATTEMPTS = 5
SLOT_TAKEN = _lazy("Esta hora ya no está disponible.")


def booking_settings(practice) -> BookingSettings:
    return BookingSettings.objects.get_or_create(practice=practice)[0]


# --- The appointment link in reminders ---------------------------------------------------------


def cancellation_deadline(session: Session) -> datetime:
    return session.starts_at - timedelta(hours=booking_settings(session.practice).cancellation_window_hours)


@transaction.atomic
def appointment_confirm(session: Session) -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(_("Esta cita ya no está programada."), code="invalid_state")
    if session.confirmation_status != ConfirmationStatus.CONFIRMED:
        session.confirmation_status = ConfirmationStatus.CONFIRMED
        session.confirmation_at = timezone.now()
        session.save(update_fields=["confirmation_status", "confirmation_at", "updated_at"])
    return session


@transaction.atomic
def appointment_cancel(session: Session) -> Session:
    """Cancel from the patient's link, inside the practice's cancellation window. The therapist is
    told, and the freed hour is offered to the wait-list."""
    session = Session.objects.select_for_update().select_related("practice", "therapist", "patient").get(pk=session.pk)
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(_("Esta cita ya no está programada."), code="invalid_state")
    if timezone.now() > cancellation_deadline(session):
        raise Conflict(_("El plazo para cancelar en línea terminó."), code="window_closed")
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = str(_("Cancelada por el paciente"))
    session.confirmation_status = ConfirmationStatus.CANCELLED_BY_PATIENT
    session.confirmation_at = timezone.now()
    session.save(update_fields=["status", "cancel_reason", "confirmation_status", "confirmation_at", "updated_at"])
    patient_stats_refresh(session.patient_id)
    _notify_therapist(session, "patient_cancelled")
    hour_freed(session)
    return session


def _notify_therapist(session: Session, template: str) -> None:
    profile = getattr(session.therapist, "profile", None)
    if profile is not None and not profile.notify_appointments:
        return
    emails.send(
        template=template,
        to=session.therapist.email,
        language=profile.language if profile else None,
        context=_appointment_context(session) | {"recipient": "therapist"},
        practice=session.practice,
        from_name=session.practice.name,
    )


def _appointment_context(session: Session) -> dict:
    local = session.starts_at.astimezone(ZoneInfo(session.practice.timezone))
    return {
        "session": session,
        "practice": session.practice,
        "therapist": session.therapist,
        "patient": session.patient,
        "date": local.date(),
        "time": local.strftime("%H:%M"),
    }


# --- Online booking --------------------------------------------------------------------------


def practice_for_booking(slug: str) -> tuple[Practice, BookingSettings] | None:
    """The practice behind a public booking address, when it takes online bookings."""
    practice = Practice.objects.filter(slug=slug, is_active=True).first()
    if practice is None:
        return None
    config = booking_settings(practice)
    return (practice, config) if config.enabled else None


def bookable_therapists(practice, config: BookingSettings) -> list[Membership]:
    """Active therapists (and admins) who have joined: an invitee who has not set a password yet
    is not offered."""
    chosen = list(config.therapists.all().values_list("pk", flat=True))
    members = (
        Membership.objects.active()
        .filter(practice=practice, role__in=[Role.THERAPIST, Role.ADMIN])
        .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .select_related("user__profile")
        .order_by("user__name")
    )
    return [m for m in members if not chosen or m.pk in chosen]


def booking_window(practice, config: BookingSettings, now=None) -> tuple[datetime, date]:
    """The earliest start a patient may book (lead time) and the last day (horizon)."""
    now = now or timezone.now()
    earliest = now + timedelta(hours=config.lead_time_hours)
    last_day = now.astimezone(ZoneInfo(practice.timezone)).date() + timedelta(days=config.horizon_days)
    return earliest, last_day


def open_slots(*, practice, config: BookingSettings, membership: Membership, day: date, duration: int) -> list[dict]:
    """Free starts of a day a patient may book: the calendar's free slots, after the lead time and
    within the horizon."""
    earliest, last_day = booking_window(practice, config)
    if day > last_day or day < earliest.astimezone(ZoneInfo(practice.timezone)).date():
        return []
    tz = ZoneInfo(practice.timezone)
    slots = []
    for slot in free_slots(practice=practice, membership=membership, day=day, duration=duration):
        starts_at = datetime.combine(day, time.fromisoformat(slot["start_time"]), tzinfo=tz).astimezone(UTC)
        if starts_at >= earliest:
            slots.append({**slot, "starts_at": starts_at})
    return slots


def slot_offered(
    *, practice, config: BookingSettings, membership: Membership, starts_at: datetime, duration: int
) -> bool:
    """Whether the booking page offers this start: one of the day's free starts, after the lead
    time and within the horizon. A start typed into the address (10:07, a blocked hour) is not."""
    day = starts_at.astimezone(ZoneInfo(practice.timezone)).date()
    return any(
        slot["starts_at"] == starts_at
        for slot in open_slots(practice=practice, config=config, membership=membership, day=day, duration=duration)
    )


def _code_digest(code_id, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def email_code_send(*, practice, purpose: str, email: str, payload: dict) -> EmailCode:
    """Store what the patient asked for and email them a 6-digit code that unlocks it."""
    code = f"{secrets.randbelow(10**6):06d}"
    pending = EmailCode(
        practice=practice,
        purpose=purpose,
        email=email.lower(),
        payload=payload,
        code_hash="",
        expires_at=timezone.now() + timedelta(minutes=settings.BOOKING_CODE_MINUTES),
    )
    pending.code_hash = _code_digest(pending.pk, code)
    pending.save()
    emails.send(
        template="booking_code",
        to=email,
        context={"practice": practice, "code": code, "minutes": settings.BOOKING_CODE_MINUTES},
        practice=practice,
        from_name=practice.name,
    )
    return pending


class CodeRefused(Exception):
    def __init__(self, message: str, *, final: bool = False):
        super().__init__(message)
        self.message = message
        self.final = final  # no more tries: start again


def email_code_check(*, code_id, code: str) -> EmailCode:
    """The pending request, once its code is right. Five wrong codes, expiry or a second use end it.
    A wrong try is counted (and committed) before the refusal is raised."""
    with transaction.atomic():
        pending = EmailCode.objects.select_for_update().filter(pk=code_id).first()
        if (
            pending is None
            or pending.used_at
            or pending.expires_at < timezone.now()
            or pending.attempts >= CODE_ATTEMPTS
        ):
            refusal = CodeRefused(_("El código expiró o ya se usó. Vuelve a empezar."), final=True)
        elif not hmac.compare_digest(pending.code_hash, _code_digest(pending.pk, (code or "").strip())):
            pending.attempts += 1
            pending.save(update_fields=["attempts"])
            left = CODE_ATTEMPTS - pending.attempts
            refusal = (
                CodeRefused(_("Demasiados intentos. Vuelve a empezar."), final=True)
                if left <= 0
                else CodeRefused(_("El código no es correcto. Te quedan %(left)d intentos.") % {"left": left})
            )
        else:
            pending.used_at = timezone.now()
            pending.save(update_fields=["used_at"])
            return pending
    raise refusal


def _book(
    *, practice, therapist_id, person: dict, starts_at, ends_at, type_: str, awaiting_approval: bool = False
) -> Session:
    """The booking a patient made themselves (online or from the wait-list), once its slot was
    checked under the therapist's lock: the patient found by their proven email or registered
    (patients' own rule, care team included), the session (confirmed by the patient), the
    therapist told, the patient sent their link."""
    patient = patient_find_or_register(
        practice=practice,
        therapist_id=therapist_id,
        name=person["name"],
        email=person["email"],
        phone=person["phone"],
        rut=person["rut"],
    )
    session = Session.objects.create(
        practice=practice,
        patient=patient,
        therapist_id=therapist_id,
        starts_at=starts_at,
        ends_at=ends_at,
        type=type_,
        source=BookingSource.ONLINE,
        awaiting_approval=awaiting_approval,
        confirmation_status=ConfirmationStatus.CONFIRMED,
        confirmation_at=timezone.now(),
    )
    session = Session.objects.select_related("practice", "therapist__profile", "patient").get(pk=session.pk)
    _notify_therapist(session, "online_booking")
    emails.send(
        template="booking_done",
        to=person["email"],
        context=_appointment_context(session) | {"link": appointment_link(session)},
        practice=practice,
        from_name=practice.name,
    )
    return session


def online_book(*, practice, config: BookingSettings, payload: dict) -> Session:
    """Book the slot of a verified request under the therapist's lock: 409 when someone (online
    or at the calendar) took it first."""
    with transaction.atomic():
        membership = therapist_lock(practice_id=practice.pk, therapist_id=payload["therapist_id"])
        if not membership.is_active:
            raise Conflict(SLOT_TAKEN, code="slot_taken")
        starts_at = datetime.fromisoformat(payload["starts_at"])
        ends_at = starts_at + timedelta(minutes=payload["duration"])
        if not slot_offered(
            practice=practice, config=config, membership=membership, starts_at=starts_at, duration=payload["duration"]
        ):
            raise Conflict(SLOT_TAKEN, code="slot_taken")
        try:
            slot_check(
                practice=practice,
                therapist_id=membership.user_id,
                starts_at=starts_at,
                ends_at=ends_at,
                status=SessionStatus.SCHEDULED,
                allow_outside=False,
            )
        except (Conflict, ValidationFailed) as exc:
            raise Conflict(SLOT_TAKEN, code="slot_taken") from exc
        return _book(
            practice=practice,
            therapist_id=membership.user_id,
            person=payload,
            starts_at=starts_at,
            ends_at=ends_at,
            type_=payload["type"],
            awaiting_approval=not config.auto_confirm,
        )


@transaction.atomic
def booking_approve(*, session: Session) -> Session:
    """The therapist accepts an online request; the patient is told."""
    session = Session.objects.select_for_update().select_related("practice", "therapist", "patient").get(pk=session.pk)
    if not session.awaiting_approval or session.status != SessionStatus.SCHEDULED:
        raise Conflict(_("Esta cita no espera aprobación."), code="invalid_state")
    session.awaiting_approval = False
    session.save(update_fields=["awaiting_approval", "updated_at"])
    if session.patient.email and not session.patient.processing_blocked:
        emails.send(
            template="booking_approved",
            to=session.patient.email,
            context=_appointment_context(session) | {"link": appointment_link(session)},
            practice=session.practice,
            from_name=session.practice.name,
        )
    return session


def booking_declined(session: Session) -> None:
    """A request the therapist cancelled before approving it: the patient hears so."""
    if (
        session.source == BookingSource.ONLINE
        and session.awaiting_approval
        and session.patient.email
        and not session.patient.processing_blocked
    ):
        emails.send(
            template="booking_declined",
            to=session.patient.email,
            context=_appointment_context(session),
            practice=session.practice,
            from_name=session.practice.name,
        )


# --- Wait-list ---------------------------------------------------------------------------------


def waitlist_join(*, practice, payload: dict) -> WaitlistEntry:
    return WaitlistEntry.objects.create(
        practice=practice,
        therapist_id=payload["therapist_id"],
        name=payload["name"],
        email=payload["email"],
        phone=payload["phone"],
        rut=payload["rut"],
        date_from=date.fromisoformat(payload["date_from"]),
        date_to=date.fromisoformat(payload["date_to"]),
        duration=payload["duration"],
        type=payload["type"],
        time_from=time.fromisoformat(payload["time_from"]) if payload.get("time_from") else None,
        time_to=time.fromisoformat(payload["time_to"]) if payload.get("time_to") else None,
    )


def hour_freed(session: Session) -> None:
    """Offer a cancelled appointment's hour to the wait-list, in the background, once committed."""
    time_freed(
        practice_id=session.practice_id,
        therapist_id=session.therapist_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )


def time_freed(*, practice_id, therapist_id, starts_at, ends_at) -> None:
    """Time that became free (a cancelled appointment, a removed block) goes to the wait-list: the
    job offers its start to the people whose window and length fit."""
    if starts_at > timezone.now():
        defer_on_commit(
            "scheduling.tasks.waitlist_offer",
            therapist_id=str(therapist_id),
            practice_id=str(practice_id),
            starts_at=starts_at.isoformat(),
            ends_at=ends_at.isoformat(),
        )


def waitlist_offer_hour(*, practice_id, therapist_id, starts_at: datetime, ends_at: datetime) -> int:
    """Email the first people waiting for this therapist whose window holds the hour; returns how
    many. Nothing when the hour is no longer free."""
    practice = Practice.objects.filter(pk=practice_id, is_active=True).first()
    if practice is None or starts_at <= timezone.now():
        return 0
    config = booking_settings(practice)
    if not config.waitlist_enabled:
        return 0
    tz = ZoneInfo(practice.timezone)
    local_start, local_end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    entries = (
        WaitlistEntry.objects.filter(
            practice=practice,
            therapist_id=therapist_id,
            status=WaitlistStatus.ACTIVE,
            date_from__lte=local_start.date(),
            date_to__gte=local_start.date(),
            duration__lte=minutes,
        )
        .filter(Q(time_from__isnull=True) | Q(time_from__lte=local_start.time()))
        .filter(Q(time_to__isnull=True) | Q(time_to__gte=local_end.time()))
        .exclude(offers__starts_at=starts_at)
        .order_by("created_at")[: config.waitlist_offer_count]
    )
    sent = 0
    for entry in entries:
        offer_end = starts_at + timedelta(minutes=entry.duration)
        if not slot_free(therapist_id=therapist_id, starts_at=starts_at, ends_at=offer_end):
            continue  # taken again (or blocked) since it was freed
        offer = WaitlistOffer.objects.create(entry=entry, starts_at=starts_at, ends_at=offer_end)
        emails.send(
            template="waitlist_offer",
            to=entry.email,
            practice=practice,
            from_name=practice.name,
            context={
                "practice": practice,
                "entry": entry,
                "date": local_start.date(),
                "time": local_start.strftime("%H:%M"),
                "link": offer_link(offer),
            },
        )
        sent += 1
    return sent


def offer_available(offer: WaitlistOffer) -> bool:
    if offer.claimed_at or offer.entry.status != WaitlistStatus.ACTIVE or offer.starts_at <= timezone.now():
        return False
    return slot_free(therapist_id=offer.entry.therapist_id, starts_at=offer.starts_at, ends_at=offer.ends_at)


def waitlist_claim(offer: WaitlistOffer) -> Session:
    """The first claim books the hour under the therapist's lock; later ones get 409."""
    taken = Conflict(SLOT_TAKEN, code="slot_taken")
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().select_related("practice").get(pk=offer.entry_id)
        offer = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.claimed_at or entry.status != WaitlistStatus.ACTIVE or offer.starts_at <= timezone.now():
            raise taken
        practice = entry.practice
        therapist_lock(practice_id=practice.pk, therapist_id=entry.therapist_id)
        try:
            conflicts_check(
                practice=practice, therapist_id=entry.therapist_id, starts_at=offer.starts_at, ends_at=offer.ends_at
            )
        except Conflict as exc:
            raise taken from exc
        session = _book(
            practice=practice,
            therapist_id=entry.therapist_id,
            starts_at=offer.starts_at,
            ends_at=offer.ends_at,
            type_=entry.type,
            person={"name": entry.name, "email": entry.email, "phone": entry.phone, "rut": entry.rut},
        )
        offer.claimed_at = timezone.now()
        offer.save(update_fields=["claimed_at"])
        entry.status, entry.session = WaitlistStatus.BOOKED, session
        entry.save(update_fields=["status", "session"])
        return session
