"""Plans, subscriptions and the append-only credit ledger. A practice's balance is the sum of its
ledger; `CreditAccount.balance` caches that sum and is only ever changed in the same transaction
as the ledger row, under the account's row lock."""

import uuid
from decimal import Decimal

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice
from billing.choices import EntryKind, Operation

CREDIT = {"max_digits": 14, "decimal_places": 1}


class Plan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("nombre"), max_length=100, unique=True)
    price_usd = models.DecimalField(_("precio (USD)"), max_digits=10, decimal_places=2)
    credits_per_month = models.DecimalField(_("créditos por mes"), **CREDIT)
    is_trial = models.BooleanField(_("plan de prueba"), default=False)
    is_active = models.BooleanField(_("disponible"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("planes")
        ordering = ["price_usd"]

    def __str__(self):
        return self.name


class Subscription(models.Model):
    practice = models.OneToOneField(
        Practice, verbose_name=_("consulta"), on_delete=models.CASCADE, primary_key=True, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="subscriptions")
    renewal_date = models.DateField(_("próxima renovación"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    class Meta:
        verbose_name = _("suscripción")
        verbose_name_plural = _("suscripciones")

    def __str__(self):
        return f"{self.practice} – {self.plan}"


class CreditAccount(models.Model):
    """The lock every ledger write takes, and the cached balance (= sum of the ledger)."""

    practice = models.OneToOneField(
        Practice, verbose_name=_("consulta"), on_delete=models.CASCADE, primary_key=True, related_name="credit_account"
    )
    balance = models.DecimalField(_("saldo"), default=Decimal("0"), **CREDIT)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("actualizado"))

    class Meta:
        verbose_name = _("cuenta de créditos")
        verbose_name_plural = _("cuentas de créditos")

    def __str__(self):
        return f"{self.practice}: {self.balance}"


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The credit ledger is append-only")

    def delete(self):
        raise PermissionError("The credit ledger is append-only")


class CreditLedgerEntry(models.Model):
    """One movement of credits. Never updated or deleted (a database trigger enforces it too)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, verbose_name=_("consulta"), on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(_("tipo"), max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(_("créditos"), **CREDIT, help_text=_("Positivo suma, negativo resta"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persona"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    operation = models.CharField(_("operación"), max_length=20, choices=Operation.choices, blank=True)
    model = models.CharField(_("modelo"), max_length=80, blank=True)
    tier = models.CharField(max_length=10, verbose_name=_("nivel"), blank=True)
    input_tokens = models.PositiveIntegerField(default=0, verbose_name=_("tokens de entrada"))
    output_tokens = models.PositiveIntegerField(default=0, verbose_name=_("tokens de salida"))
    patient_id = models.UUIDField(null=True, verbose_name=_("paciente (id)"), blank=True)
    report_id = models.UUIDField(null=True, verbose_name=_("informe (id)"), blank=True)
    reservation = models.ForeignKey(
        "self", verbose_name=_("reserva"), on_delete=models.PROTECT, null=True, blank=True, related_name="settlements"
    )
    period = models.CharField(
        max_length=7, verbose_name=_("período"), blank=True, help_text=_("AAAA-MM de una asignación mensual")
    )
    reason = models.CharField(_("motivo"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("creado"), db_index=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("movimiento de créditos")
        verbose_name_plural = _("libro de créditos")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["practice", "kind", "created_at"], name="ledger_practice_kind_created"),
            models.Index(fields=["practice", "created_at"], name="ledger_practice_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "period"],
                condition=models.Q(kind="grant") & ~models.Q(period=""),
                name="ledger_one_grant_per_period",
            ),
            models.UniqueConstraint(
                fields=["practice", "reservation"],
                condition=models.Q(kind="release"),
                name="ledger_one_release_per_reservation",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The credit ledger is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The credit ledger is append-only")


# Configuration changes (plans and prices, a practice's plan) are in the audit trail; the ledger is
# its own append-only record.
auditlog.register(Plan)
auditlog.register(Subscription, exclude_fields=["updated_at"])
