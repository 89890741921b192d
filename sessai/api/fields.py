"""Serializer fields whose wire format the OpenAPI schema states exactly."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sessai.errors import PayloadTooLarge
from sessai.files import too_large

EMPTY_FILE = _("El archivo enviado está vacío.")

HHMM_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


@extend_schema_field({"type": "string", "pattern": HHMM_PATTERN, "maxLength": 8, "example": "09:00"})
class WallClockTimeField(serializers.TimeField):
    """A time of day on the practice's wall clock: `HH:mm` (or `HH:mm:ss`) in, `HH:mm` out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


# A link a person opens in a browser: http(s), a host name with a top-level domain, an optional port,
# then RFC 3986 characters (percent escapes complete). Stated as a pattern rather than `format: uri`,
# which admits any scheme (`a:b`) that no one can open; the code checks exactly this pattern.
_URI_CHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})"
WEB_LINK_PATTERN = (
    r"^(?:https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,3}[A-Za-z]{2,24}"
    r"(?::[0-9]{1,5})?(?:[/?#]" + _URI_CHAR + r"*(?:#" + _URI_CHAR + r"*)?)?)?$"
)


@extend_schema_field({"type": "string", "pattern": WEB_LINK_PATTERN, "example": "https://registro.example.cl/123"})
class WebLinkField(serializers.CharField):
    """An http(s) link, or blank."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)
        self.validators.append(
            RegexValidator(WEB_LINK_PATTERN, _("Ingresa un enlace válido que comience con https://"))
        )


class SizedUploadMixin:
    """An upload whose largest size (a setting) the schema states as the binary string's
    `maxLength`. Anything larger is a 413 before its content is looked at."""

    def __init__(self, *, max_bytes_setting: str, **kwargs):
        self.max_bytes_setting = max_bytes_setting
        super().__init__(**kwargs)
        self.error_messages["empty"] = EMPTY_FILE  # DRF's Spanish catalogue says "vació"

    @property
    def max_bytes(self) -> int:
        return getattr(settings, self.max_bytes_setting)

    def to_internal_value(self, data):
        if getattr(data, "size", 0) > self.max_bytes:
            raise PayloadTooLarge(
                too_large(self.max_bytes), code="file_too_large", errors={self.field_name: [too_large(self.max_bytes)]}
            )
        return super().to_internal_value(data)


class SizedFileField(SizedUploadMixin, serializers.FileField):
    pass


class SizedImageField(SizedUploadMixin, serializers.ImageField):
    pass
