"""Who a practice member can be (api-contract §2). The API framework's role matrix
(`sessai.api.permissions`) is built on these, so they live in the project core; accounts'
Membership stores them (`accounts.choices.Role` is this class)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrador")
    THERAPIST = "therapist", _("Terapeuta")
    ASSISTANT = "assistant", _("Asistente")
