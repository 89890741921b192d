from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    GRANT = "grant", _("Asignación mensual")
    USAGE = "usage", _("Uso")
    TOPUP = "topup", _("Recarga")
    ADJUSTMENT = "adjustment", _("Ajuste")
    REFUND = "refund", _("Reembolso")
    RESERVATION = "reservation", _("Reserva")
    RELEASE = "release", _("Liberación de reserva")


# Rows a person reads as "movements"; reservations and their releases are bookkeeping.
VISIBLE_KINDS = [EntryKind.GRANT, EntryKind.USAGE, EntryKind.TOPUP, EntryKind.ADJUSTMENT, EntryKind.REFUND]


class Operation(models.TextChoices):
    PROGRESS_REPORT = "progress_report", _("Informe de Progreso")
    DOCUMENTATION = "documentation", _("Asistente de Documentación")
    SESSION_STRUCTURE = "session_structure", _("Estructuración de Sesión")
    TRANSCRIPTION = "transcription", _("Transcripción de Audio")
    SESSION_SUMMARY = "session_summary", _("Resumen de Sesión")
    PATIENT_SUMMARY = "patient_summary", _("Resumen para el Paciente")


class Tier(models.TextChoices):
    """The AI tiers a practice chooses from; each has a model and a price in the console."""

    FAST = "fast", _("Rápido")
    BALANCED = "balanced", _("Equilibrado")
    ADVANCED = "advanced", _("Avanzado")
