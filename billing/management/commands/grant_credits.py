"""`manage.py grant_credits <practice> <amount> --reason "..."`: an operator's adjustment (a
negative amount removes credits, never below zero). <practice> is its id or exact name."""

from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Practice
from billing.choices import EntryKind
from billing.services import InsufficientCredits, balance, credits_grant
from sessai import scope


@scope.platform_command
class Command(BaseCommand):
    help = "Add (or remove) credits to a practice with a reason, as a ledger adjustment."

    def add_arguments(self, parser):
        parser.add_argument("practice", help="Practice id (UUID) or exact name")
        parser.add_argument("amount", help="Credits, e.g. 500 or -25.5")
        parser.add_argument("--reason", required=True)
        parser.add_argument(
            "--topup", action="store_true", help="Record it as a purchased top-up instead of an adjustment"
        )

    def handle(self, *args, practice, amount, reason, topup, **options):
        try:
            value = Decimal(amount).quantize(Decimal("0.1"))
        except InvalidOperation as exc:
            raise CommandError(f"Not an amount: {amount}") from exc
        target = Practice.objects.filter(name=practice).first()
        if target is None:
            try:
                target = Practice.objects.filter(pk=practice).first()
            except Exception:  # not a UUID either
                target = None
        if target is None:
            raise CommandError(f"No practice with id or name {practice!r}")
        try:
            credits_grant(
                practice=target, amount=value, reason=reason, kind=EntryKind.TOPUP if topup else EntryKind.ADJUSTMENT
            )
        except InsufficientCredits as exc:
            raise CommandError("The balance cannot go below zero") from exc
        self.stdout.write(f"{target.name}: {value:+} credits; balance {balance(target)}")
