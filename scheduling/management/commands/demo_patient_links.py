"""Links to every patient page of the demo practice, to try them (or photograph them) without
waiting for emails: the next appointment's confirm/cancel page, online booking, its code step,
the wait-list and a claim link, a consent to sign, and the account pages. Demo data only."""

from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Practice, User
from accounts.services import account_page_base
from patients.choices import ConsentKind
from patients.services.consents import consent_link, consent_send
from scheduling import links
from scheduling.booking import services as booking
from scheduling.choices import SessionStatus
from scheduling.demo import DEMO_SLUG
from scheduling.models import EmailCode, Session, WaitlistEntry, WaitlistOffer
from sessai import scope


@scope.platform_command
class Command(BaseCommand):
    help = "Print links to the demo practice's patient pages (run seed_demo first). Never in production."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_patient_links creates demo rows: refusing with DEBUG off.")
        practice = Practice.objects.filter(slug=DEMO_SLUG).first()
        if practice is None:
            raise CommandError("No demo practice: run `manage.py seed_demo` first.")
        base = settings.PUBLIC_BASE_URL
        session = (
            Session.objects.filter(practice=practice, status=SessionStatus.SCHEDULED, starts_at__gt=timezone.now())
            .exclude(patient__email="")
            .select_related("patient", "therapist")
            .order_by("starts_at")
            .first()
        )
        if session is None:
            raise CommandError("The demo practice has no upcoming appointment with a patient email.")
        member = practice.memberships.filter(role="admin").select_related("user").first()
        consent = consent_send(patient=session.patient, membership=member, kind=ConsentKind.RECORDING)
        entry = WaitlistEntry.objects.create(
            practice=practice,
            therapist=session.therapist,
            name=session.patient.name,
            email=session.patient.email,
            date_from=timezone.localdate(),
            date_to=timezone.localdate() + timedelta(days=14),
        )
        offer, _ = WaitlistOffer.objects.get_or_create(
            entry=entry,
            starts_at=session.starts_at + timedelta(days=7),
            defaults={"ends_at": session.ends_at + timedelta(days=7)},
        )
        pending = booking.email_code_send(
            practice=practice, purpose=EmailCode.Purpose.BOOKING, email=session.patient.email, payload={}
        )
        user = User.objects.get(email="admin@sessai.com")
        config = booking.booking_settings(practice)
        therapist = practice.memberships.get(user_id=session.therapist_id)
        slot = next(
            iter(
                s
                for offset in range(1, 15)
                for s in booking.open_slots(
                    practice=practice,
                    config=config,
                    membership=therapist,
                    day=timezone.localdate() + timedelta(days=offset),
                    duration=config.durations[0],
                )
            ),
            None,
        )
        start = quote(slot["starts_at"].isoformat()) if slot else ""
        pages = {
            "booking": f"{base}{reverse('portal:booking', args=[practice.slug])}?profesional={session.therapist_id}",
            "booking-details": f"{base}{reverse('portal:booking-details', args=[practice.slug])}?profesional={session.therapist_id}"
            f"&duracion={config.durations[0]}&inicio={start}",
            "verify": f"{base}{reverse('portal:verify', args=[practice.slug, pending.pk])}",
            "appointment": links.appointment_link(session),
            "waitlist": f"{base}{reverse('portal:waitlist', args=[practice.slug])}",
            "waitlist-claim": links.offer_link(offer),
            "consent": consent_link(consent),
            "reset-password": f"{account_page_base('reset-password')}?token={user.pk.hex}.{default_token_generator.make_token(user)}",
        }
        for name, link in pages.items():
            self.stdout.write(f"{name} {link}")
