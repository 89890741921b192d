"""Serializer bases shared by the apps."""

from django.utils.datastructures import MultiValueDict
from rest_framework import serializers

from sessai.api.permissions import CLINICAL


class RoleAwareSerializer(serializers.Serializer):
    """Drops `clinical_fields` unless the caller's role may see clinical content, before any
    field is computed: for an assistant the values are never read, let alone sent."""

    clinical_fields: tuple = ()
    role_dependent_fields: tuple = ()  # the fields some callers do not get (schema: optional); default clinical_fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.context.get("all_fields") and not may_see_clinical(self.context):
            for name in self.clinical_fields:
                self.fields.pop(name, None)


def may_see_clinical(context) -> bool:
    membership = context.get("membership")
    return membership is not None and membership.role in CLINICAL


def blank_means_empty(field) -> bool:
    """An optional text field that takes "" also takes null (and stores "")."""
    return bool(getattr(field, "allow_blank", False)) and not field.required and not field.allow_null


def blank_means_null(field) -> bool:
    """An optional nullable non-text field (a date, a uuid, a number) also takes "" (an empty input)."""
    return field.allow_null and not field.required and not isinstance(field, (serializers.CharField, serializers.ChoiceField))


class InputSerializer(serializers.Serializer):
    """A request body whose optional fields take both of a client's "no value"s, `null` and `""`,
    and answer them consistently: text fields store "", other fields null. The OpenAPI schema
    says so (sessai.api.schema)."""

    def to_internal_value(self, data):
        if isinstance(data, dict) and not isinstance(data, MultiValueDict):  # a JSON object
            data = dict(data)
            for name, field in self.fields.items():
                if name not in data or field.read_only:
                    continue
                if data[name] is None and blank_means_empty(field):
                    data[name] = ""
                elif data[name] == "" and blank_means_null(field):
                    data[name] = None
        return super().to_internal_value(data)
