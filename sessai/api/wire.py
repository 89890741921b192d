"""The API's one output mechanism: each response shape is declared once, as a serializer (which
also drives the OpenAPI schema through drf-spectacular), and a `WireSerializer` emits the wire's
camelCase keys itself. Its output is marked (`WireDict`), and the renderer encodes it with orjson
as it is: no second pass renames its keys. Anything else a view answers (an envelope, a dict built
by hand, a JSON column's contents) is walked once by `to_wire`, which renames keys with the same
rule djangorestframework-camel-case applies to requests (`no_underscore_before_number`), from a
cache of names already seen."""

import re
from datetime import UTC, datetime
from functools import lru_cache

from django.utils.encoding import force_str
from django.utils.functional import Promise
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

SCALARS = (str, int, float, bool, type(None))
# An offset with seconds: a zone's local mean time before it took a standard offset (Santiago's
# −04:42:45 until 1910). RFC 3339 cannot write it, so such an instant is sent in UTC.
OFFSET_WITH_SECONDS = re.compile(r"[+-]\d{2}:\d{2}:\d{2}(?:\.\d+)?$")


def rfc3339(attribute, value):
    """`value` as the field wrote it, or the same instant in UTC when its offset has seconds."""
    if isinstance(value, str) and isinstance(attribute, datetime) and OFFSET_WITH_SECONDS.search(value):
        return attribute.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


class WireDict(dict):
    """A serializer's output whose keys are already the wire's."""


@lru_cache(maxsize=8192)
def camel(key: str) -> str:
    return camelize_re.sub(underscore_to_camel, key) if "_" in key else key


def to_wire(data):
    """`data` with every key in camelCase (what the UI reads); wire-ready parts pass untouched."""
    if isinstance(data, SCALARS) or type(data) is WireDict:
        return data
    if isinstance(data, Promise):
        return force_str(data)
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if isinstance(key, Promise):
                key = force_str(key)
            out[camel(key) if isinstance(key, str) else key] = to_wire(value)
        return out
    if hasattr(data, "__iter__") and not isinstance(data, (bytes, bytearray)):  # lists, tuples, sets, querysets
        return [to_wire(item) for item in data]
    return data


# A serializer whose output has the wire's keys: `created_at` is sent as `createdAt`, nested
# serializers' output passes as it is, and a plain value (a dict from a JSON column or a method
# field) is walked by `to_wire`. The field names stay snake_case for the schema generator (its
# camelize hook gives the same names). No docstring: drf-spectacular would make it the description
# of every component without one of its own.
class WireSerializer(serializers.Serializer):
    def to_representation(self, instance):
        out = WireDict()
        for field in self._readable_fields:
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            if check is None:
                out[camel(field.field_name)] = None
                continue
            value = field.to_representation(attribute)
            if isinstance(field, serializers.DateTimeField):
                value = rfc3339(attribute, value)
            out[camel(field.field_name)] = to_wire(value)
        return out
