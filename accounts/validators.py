import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MixedCharactersPasswordValidator:
    """The registration rule of the UI: at least one lowercase letter, one uppercase letter, one digit."""

    def validate(self, password, user=None):
        errors = []
        if not re.search(r"[a-z]", password):
            errors.append(ValidationError(_("La contraseña debe contener al menos una letra minúscula"), code="password_no_lower"))
        if not re.search(r"[A-Z]", password):
            errors.append(ValidationError(_("La contraseña debe contener al menos una letra mayúscula"), code="password_no_upper"))
        if not re.search(r"\d", password):
            errors.append(ValidationError(_("La contraseña debe contener al menos un número"), code="password_no_digit"))
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        return _("La contraseña debe contener una letra minúscula, una mayúscula y un número.")
