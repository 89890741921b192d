import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class UIPasswordRulesValidator:
    """The registration rule of the UI, with its wording: at least `min_length` characters, one
    lowercase letter, one uppercase letter and one digit."""

    def __init__(self, min_length: int = 8):
        self.min_length = min_length

    def validate(self, password, user=None):
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    _("La contraseña debe tener al menos %(min)d caracteres") % {"min": self.min_length},
                    code="password_too_short",
                )
            )
        if not re.search(r"[a-z]", password):
            errors.append(
                ValidationError(_("La contraseña debe contener al menos una letra minúscula"), code="password_no_lower")
            )
        if not re.search(r"[A-Z]", password):
            errors.append(
                ValidationError(_("La contraseña debe contener al menos una letra mayúscula"), code="password_no_upper")
            )
        if not re.search(r"\d", password):
            errors.append(
                ValidationError(_("La contraseña debe contener al menos un número"), code="password_no_digit")
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        return _(
            "La contraseña debe tener al menos %(min)d caracteres, con una letra minúscula, una mayúscula y un número."
        ) % {"min": self.min_length}


# Addresses under /p/ that are pages of their own (`<app>/page_urls.py`): a practice named so would
# never reach its booking page. A test keeps this list equal to the routes.
RESERVED_SLUGS = frozenset({"cita", "consentimiento", "cuestionario", "lista-de-espera", "logo", "resumen"})


def validate_public_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("Esa dirección está reservada; elige otra"), code="slug_reserved")
