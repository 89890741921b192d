from django.db import models
from django.utils.translation import gettext_lazy as _


class PatientStatus(models.TextChoices):
    ACTIVE = "active", _("Activo")
    INACTIVE = "inactive", _("Inactivo")
    ARCHIVED = "archived", _("Archivado")
