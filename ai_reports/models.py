"""AI: the console-editable tier/price table, each practice's tier, stored progress reports and
idempotency keys."""

import uuid
from decimal import Decimal

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Practice
from ai_reports.choices import RangeType, Tier
from patients.models import Patient

PRICE = {"max_digits": 10, "decimal_places": 4}


class AIModelPrice(models.Model):
    """Which Gemini model a tier uses and its USD price per million input/output tokens."""

    tier = models.CharField(_("nivel"), max_length=10, choices=Tier.choices, unique=True)
    model_id = models.CharField(_("modelo"), max_length=80)
    input_price_per_million = models.DecimalField(_("USD por millón de tokens de entrada"), **PRICE)
    output_price_per_million = models.DecimalField(_("USD por millón de tokens de salida"), **PRICE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("modelo de IA y precio")
        verbose_name_plural = _("modelos de IA y precios")
        ordering = ["input_price_per_million"]

    def __str__(self):
        return f"{self.get_tier_display()}: {self.model_id}"


class PracticeAISettings(models.Model):
    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, primary_key=True, related_name="ai_settings")
    tier = models.CharField(_("nivel"), max_length=10, choices=Tier.choices, default=Tier.BALANCED)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("configuración de IA")
        verbose_name_plural = _("configuraciones de IA")

    def __str__(self):
        return f"{self.practice}: {self.tier}"


def report_pdf_path(instance, filename):
    return f"reports/{instance.practice_id}/{uuid.uuid4().hex}.pdf"


class AIReport(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="ai_reports")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="ai_reports")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    range_type = models.CharField(max_length=12, choices=RangeType.choices)
    range_start = models.DateField(null=True, blank=True)
    range_end = models.DateField(null=True, blank=True)
    sessions_count = models.PositiveIntegerField(default=0)
    model = models.CharField(_("modelo"), max_length=80)
    tier = models.CharField(max_length=10, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    credits = models.DecimalField(max_digits=14, decimal_places=1, default=Decimal("0"))
    content = models.TextField(_("informe (Markdown)"))
    pdf = models.FileField(upload_to=report_pdf_path, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("informe de IA")
        verbose_name_plural = _("informes de IA")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "created_at"], name="aireport_patient_created"),
            models.Index(fields=["practice", "created_at"], name="aireport_practice_created"),
        ]

    def __str__(self):
        return f"{self.patient_id} {self.created_at:%Y-%m-%d}"


class IdempotencyKey(models.Model):
    """`Idempotency-Key` of an AI request: a retry returns the first answer, charged once."""

    id = models.BigAutoField(primary_key=True)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    operation = models.CharField(max_length=30)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "key"], name="idempotency_practice_key")]

    def __str__(self):
        return self.key


auditlog.register(AIReport, exclude_fields=["pdf"], mask_fields=["content"], mask_callable="sessai.audit.mask_clinical")
