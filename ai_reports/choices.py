from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.choices import Tier  # noqa: F401  (the tiers are priced by billing)


class RangeType(models.TextChoices):
    DATES = "dateRange", _("Rango de Fechas")
    LAST_SESSIONS = "lastSessions", _("Últimas Sesiones")
    FIXED_PERIOD = "fixedPeriod", _("Período Fijo")


class FixedPeriod(models.TextChoices):
    LAST_MONTH = "lastMonth", _("Último mes")
    LAST_3_MONTHS = "last3Months", _("Últimos 3 meses")
    LAST_YEAR = "lastYear", _("Último año")


class DocFormat(models.TextChoices):
    SUMMARY = "summary", _("Resumen")
    SOAP = "soap", _("SOAP")
    DAP = "dap", _("DAP")
    BIRP = "birp", _("BIRP")


class DocMode(models.TextChoices):
    MARKDOWN = "markdown", _("Markdown")
    SESSION_HTML = "session", _("Estructurar sesión (HTML)")


class RecordingStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Subida")
    QUEUED = "queued", _("En cola")
    TRANSCRIBING = "transcribing", _("Transcribiendo")
    ANALYZING = "analyzing", _("Analizando")
    DONE = "done", _("Lista")
    FAILED = "failed", _("Falló")


class Speaker(models.TextChoices):
    THERAPIST = "therapist", _("Terapeuta")
    PATIENT = "patient", _("Paciente")
    OTHER = "other", _("Otro")


class SummaryStatus(models.TextChoices):
    """A patient summary's path: nothing reaches the patient before the therapist approves it."""

    DRAFT = "draft", _("Borrador")
    APPROVED = "approved", _("Aprobado")
    SENT = "sent", _("Enviado")
