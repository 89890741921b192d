"""`manage.py seed_demo`: the demo practice the UI's login page advertises. Idempotent."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.choices import Role
from accounts.models import Membership, Practice, Profile, User
from accounts.signals import demo_seeded
from sessai import scope

DEMO_PRACTICE = "Centro de Psicología SessAI Demo"
DEMO_PASSWORD = "admin123"  # the credentials printed on the UI's login page; demo data only
STAFF_PASSWORD = "Demo12345"
MEMBERS = [
    # email, name, role, color, title, specialties
    ("admin@sessai.com", "Dra. Carolina Muñoz", Role.ADMIN, "#3174ad", "Psicóloga Clínica", ["Psicología Clínica"]),
    (
        "ana.silva@sessai.com",
        "Dr. Ana Silva",
        Role.THERAPIST,
        "#4caf50",
        "Psicóloga Clínica",
        ["Terapia Cognitivo-Conductual"],
    ),
    (
        "lucia.gomez@sessai.com",
        "Dra. Lucía Gómez",
        Role.THERAPIST,
        "#f44336",
        "Terapeuta Familiar",
        ["Terapia Familiar", "Terapia de Pareja"],
    ),
    (
        "martin.rojas@sessai.com",
        "Ps. Martín Rojas",
        Role.THERAPIST,
        "#9c27b0",
        "Psicólogo Infantojuvenil",
        ["Psicología Infantil"],
    ),
    ("asistente@sessai.com", "Camila Pérez", Role.ASSISTANT, "#06b6d4", "Asistente administrativa", []),
]


@scope.platform_command
class Command(BaseCommand):
    help = "Create (or complete) the demo practice with admin@sessai.com / admin123. Never in production."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on real data).")

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates publicly known credentials: refusing with DEBUG off (use --force).")
        practice, _ = Practice.objects.get_or_create(name=DEMO_PRACTICE, defaults={"country": "CL"})
        created = 0
        for email, name, role, color, title, specialties in MEMBERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                password = DEMO_PASSWORD if role == Role.ADMIN else STAFF_PASSWORD
                user = User.objects.create_user(email=email, password=password, name=name)
                created += 1
            honorific, _, rest = name.partition(" ")
            first, _, last = (rest if honorific.endswith(".") else name).partition(" ")
            Profile.objects.get_or_create(
                user=user,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "specialties": specialties,
                    "credentials": [title] if title else [],
                },
            )
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"primary": True, "verified": True})
            Membership.objects.get_or_create(
                user=user, practice=practice, defaults={"role": role, "color": color, "title": title}
            )
        demo_seeded.send(sender=self.__class__, practice=practice)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo practice ready ({created} new users). Log in as admin@sessai.com / {DEMO_PASSWORD}; "
                f"other demo members use {STAFF_PASSWORD}."
            )
        )
        practice.refresh_from_db()
        if practice.slug:
            self.stdout.write(f"Patients book online at {settings.PUBLIC_BASE_URL}/p/{practice.slug}/reservar")
