from django.db import models
from django.utils.translation import gettext_lazy as _


class PatientStatus(models.TextChoices):
    ACTIVE = "active", _("Activo")
    INACTIVE = "inactive", _("Inactivo")
    ARCHIVED = "archived", _("Archivado")


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", _("Consentimiento informado de tratamiento")
    RECORDING = "recording", _("Consentimiento de grabación de sesiones")


# A consent's state, as the API reports it (derived from its dates).
CONSENT_STATUSES = [("sent", _("Enviado")), ("signed", _("Firmado")), ("revoked", _("Revocado"))]


class PrivacyRequestKind(models.TextChoices):
    ACCESS = "access", _("Acceso")
    RECTIFICATION = "rectification", _("Rectificación")
    SUPPRESSION = "suppression", _("Supresión")
    OPPOSITION = "opposition", _("Oposición")
    PORTABILITY = "portability", _("Portabilidad")
    BLOCKING = "blocking", _("Bloqueo temporal")


class PrivacyRequestStatus(models.TextChoices):
    OPEN = "open", _("Abierta")
    EXTENDED = "extended", _("Prorrogada")
    FULFILLED = "fulfilled", _("Atendida")
    REFUSED = "refused", _("Rechazada")


class ExportPackageStatus(models.TextChoices):
    PENDING = "pending", _("En preparación")
    READY = "ready", _("Listo")
    FAILED = "failed", _("Falló")


class IncidentSeverity(models.TextChoices):
    LOW = "low", _("Baja")
    MEDIUM = "medium", _("Media")
    HIGH = "high", _("Alta")
    CRITICAL = "critical", _("Crítica")
