"""Serializer bases shared by the apps."""

from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sessai.api.permissions import CLINICAL
from sessai.api.wire import WireSerializer


class RoleAwareSerializer(WireSerializer):
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
    return (
        field.allow_null
        and not field.required
        and not isinstance(field, (serializers.CharField, serializers.ChoiceField))
    )


EMPTY_VALUE = _("Este campo no puede estar vacío.")
WRONG_TYPE = {
    str: _("Debe ser un texto."),
    int: _("Debe ser un número entero."),
    float: _("Debe ser un número."),
    bool: _("Debe ser verdadero o falso."),
    list: _("Debe ser una lista."),
}


def json_type(field):
    """The JSON type a field takes in a JSON body, as the schema declares it (None: the field decides)."""
    if isinstance(field, serializers.BooleanField):
        return bool
    if isinstance(field, serializers.IntegerField):
        return int
    if isinstance(field, (serializers.FloatField, serializers.DecimalField)):
        return float
    if isinstance(field, (serializers.ListField, serializers.ListSerializer, serializers.MultipleChoiceField)):
        return list
    if isinstance(
        field,
        (
            serializers.CharField,
            serializers.ChoiceField,
            serializers.DateField,
            serializers.TimeField,
            serializers.DateTimeField,
            serializers.UUIDField,
        ),
    ):
        return str
    return None


def json_type_error(field, value):
    """The message when `value` is not of the field's JSON type: DRF would turn 5 into "5" and 0
    into False, which the schema does not allow; a JSON client gets what the schema says."""
    expected = json_type(field)
    if value is None or expected is None:
        return None
    if expected is list:
        if not isinstance(value, list):
            return WRONG_TYPE[list]
        child = getattr(field, "child", None)
        if isinstance(field, serializers.ListField) and child is not None:
            for item in value:
                error = json_type_error(child, item)
                if error:
                    return error
        return None
    if expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, expected)
    return None if ok else WRONG_TYPE[expected]


# Dates a clinic deals in: birth dates from 1900, appointments and requests up to 2100. Outside
# them, date arithmetic overflows (9999-12-31 plus a session's length) or the value is a typo
# (0202-03-01); such a value is refused where the request is read, in every input and query
# serializer, not case by case.
MIN_YEAR, MAX_YEAR = 1900, 2100
YEAR_PATTERN = "^(19[0-9]{2}|20[0-9]{2}|2100)-"  # the same, stated in the schema at the start of a date or date-time
YEAR_OUT_OF_RANGE = _("La fecha debe estar entre los años %(min)d y %(max)d.")


def year_in_range(value) -> None:
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise serializers.ValidationError(str(YEAR_OUT_OF_RANGE) % {"min": MIN_YEAR, "max": MAX_YEAR})


def _bound_dates(fields) -> None:
    for field in fields.values():
        target = getattr(field, "child", field)
        if (
            isinstance(target, (serializers.DateField, serializers.DateTimeField))
            and year_in_range not in target.validators
        ):
            target.validators = [*target.validators, year_in_range]


def raw_length_error(field, value):
    """The schema's `maxLength` counts what the client sent: a text past it is refused even when
    trimming its surrounding whitespace (DRF trims before it measures, and Python's whitespace
    includes control characters JSON Schema's does not) would bring it under. A list's items are
    answered by index, as DRF answers them."""
    if isinstance(field, serializers.ListField):
        child = field.child
        limit = getattr(child, "max_length", None) if isinstance(child, serializers.CharField) else None
        if not limit or not isinstance(value, list):
            return None
        message = child.error_messages["max_length"].format(max_length=limit)
        errors = {index: [message] for index, item in enumerate(value) if isinstance(item, str) and len(item) > limit}
        return errors or None
    limit = getattr(field, "max_length", None) if isinstance(field, serializers.CharField) else None
    if limit and isinstance(value, str) and len(value) > limit:
        return field.error_messages["max_length"].format(max_length=limit)
    return None


class InputSerializer(WireSerializer):
    """A JSON request body read as its schema declares it:
    - each value has its field's JSON type (`"notes": 0` and `"flag": 0` are 400s, not coerced);
    - optional fields take both of a client's "no value"s, `null` and `""`, and answer them
      consistently: text fields store "", other fields null.
    The OpenAPI schema says so (sessai.api.schema). Multipart and query data are not JSON and
    keep DRF's string parsing. Dates are bounded (`year_in_range`)."""

    def get_fields(self):
        fields = super().get_fields()
        _bound_dates(fields)
        return fields

    def to_internal_value(self, data):
        if isinstance(data, dict) and not isinstance(data, MultiValueDict):  # a JSON object
            data = dict(data)
            errors = {}
            for name, field in self.fields.items():
                if name not in data or field.read_only:
                    continue
                if data[name] is None and blank_means_empty(field):
                    data[name] = ""
                elif data[name] == "" and blank_means_null(field):
                    data[name] = None
                error = json_type_error(field, data[name]) or raw_length_error(field, data[name])
                if isinstance(error, dict):
                    errors[name] = error
                elif error:
                    errors[name] = [str(error)]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class QuerySerializer(WireSerializer):
    """Query parameters read as the schema declares them: a parameter that is present must carry
    a value unless it is free text (`?type=` is a 400, not "no filter"). Dates are bounded."""

    def get_fields(self):
        fields = super().get_fields()
        _bound_dates(fields)
        return fields

    def to_internal_value(self, data):
        errors = {}
        if hasattr(data, "getlist"):  # a QueryDict
            for name, field in self.fields.items():
                free_text = isinstance(field, serializers.CharField) and field.allow_blank
                if name in data and "" in data.getlist(name) and not free_text:
                    errors[name] = [str(EMPTY_VALUE)]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
