"""Serializer fields whose wire format the OpenAPI schema states exactly."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

HHMM_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


@extend_schema_field({"type": "string", "pattern": HHMM_PATTERN, "maxLength": 8, "example": "09:00"})
class WallClockTimeField(serializers.TimeField):
    """A time of day on the practice's wall clock: `HH:mm` (or `HH:mm:ss`) in, `HH:mm` out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)
