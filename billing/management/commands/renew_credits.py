"""`manage.py renew_credits`: run daily. Grants each practice its plan's monthly credits on its
renewal date, once per period however often it runs."""

from django.core.management.base import BaseCommand

from billing.services import renew_due
from sessai import scope


@scope.platform_command
class Command(BaseCommand):
    help = "Grant monthly credits to the practices whose renewal date has come (idempotent per period)."

    def handle(self, *args, **options):
        self.stdout.write(f"Monthly grants made: {renew_due()}")
