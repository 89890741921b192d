from django.db import models
from django.utils.translation import gettext_lazy as _

from sessai.roles import Role as Role  # the membership's roles, defined with the API's role matrix


class Theme(models.TextChoices):
    LIGHT = "light", _("Claro")
    DARK = "dark", _("Oscuro")
    SYSTEM = "system", _("Sistema")


class Language(models.TextChoices):
    ES = "es", _("Español")
    EN = "en", _("Inglés")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Activo")
    INACTIVE = "inactive", _("Inactivo")
