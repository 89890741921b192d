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
