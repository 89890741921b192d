"""OpenAPI generation in one place (drf-spectacular): the Bearer scheme of our device-session JWTs,
the error envelope documented on every operation for every status it can answer, and the
role-dependent shapes (fields a role may not receive are optional, never missing from the schema).

Which errors an operation documents follows from what it is, not from a list kept by hand:
- 400 when it takes input (a body or query parameters), 415 when it takes a body;
- 401 when it needs a token; 403 when it is practice-scoped (a role or a membership can refuse);
- 404 when its path names an object; 429 when the view declares `rate_limits`;
- anything else the view's own rules raise is declared beside its `allowed_roles`, as
  `error_statuses = {"create": (409,), "attachments POST": (413,), "POST": (402, 503)}` (action,
  "action METHOD", method, or "*" for all).
"""

import json

import django_filters
from django.conf import settings as django_settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from sessai.api.operations import TAGS, operation_text
from sessai.api.serializers import YEAR_PATTERN, InputSerializer, blank_means_empty, blank_means_null
from sessai.api.wire import WireSerializer

ERROR_DESCRIPTIONS = {
    400: _("Datos inválidos: `message` en español y `errors` por campo."),
    401: _("Sin token, o token inválido o expirado."),
    402: _("Créditos insuficientes."),
    403: _("El rol del usuario no permite esta operación."),
    404: _("No existe, o pertenece a otra consulta."),
    406: _("El formato pedido en `Accept` no está disponible."),
    409: _("Conflicto con el estado actual (horario ocupado, registro firmado, ...)."),
    412: _("Falta una cabecera obligatoria o trae un valor no soportado (tus: `Tus-Resumable: 1.0.0`)."),
    413: _("Archivo demasiado grande."),
    415: _("Tipo de contenido no soportado."),
    429: _("Demasiadas solicitudes: reintentar después de `Retry-After` segundos."),
    503: _("Servicio externo no disponible: reintentar más tarde."),
}
RETRY_AFTER = {
    "Retry-After": {
        "description": str(_("Segundos de espera antes de reintentar.")),
        "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 86400},
    }
}

_STRUCTURED_LIST = {"type": "string", "maxLength": 1000, "pattern": r"^[\x20-\x7e]*$"}  # a structured-field list
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {
        "description": str(
            _(
                "Límites que cuentan esta operación (IETF, draft-ietf-httpapi-ratelimit-headers): "
                '`"nombre";q=cuota;w=ventana en segundos`, separados por coma.'
            )
        ),
        "schema": {**_STRUCTURED_LIST, "example": '"login_ip";q=20;w=60, "login_account";q=5;w=60'},
    },
    "RateLimit": {
        "description": str(_('Estado de cada límite: `"nombre";r=restantes;t=segundos hasta reiniciar`.')),
        "schema": {**_STRUCTURED_LIST, "example": '"login_ip";r=19;t=42, "login_account";r=4;t=42'},
    },
}


class ErrorSerializer(WireSerializer):
    """The error envelope of every non-2xx answer (api-contract §1)."""

    message = serializers.CharField(help_text=_("Mensaje para mostrar al usuario, en su idioma."))
    code = serializers.CharField(help_text=_("Código estable para programas: invalid, not_found, conflict, ..."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Errores por campo (camelCase; anidados como `padre.hijo`)."),
    )


class DeviceSessionJWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.DeviceSessionJWTAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            **super().get_security_definition(auto_schema),
            "description": str(
                _(
                    "Token de acceso JWT (`Authorization: Bearer ...`) de `/api/auth/login`, de corta duración (15 minutos por defecto) y "
                    "ligado a la sesión del dispositivo. Sigue las buenas prácticas de RFC8725: algoritmo fijo "
                    "(HS256, nunca `none`), expiración y tipo de token verificados, renovación con rotación."
                )
            ),
        }


class RoleAwareSerializerExtension(OpenApiSerializerExtension):
    """A `RoleAwareSerializer` documents every field it can send; those a role (or the care team)
    may withhold are optional (`role_dependent_fields`, by default its `clinical_fields`)."""

    target_class = "sessai.api.serializers.RoleAwareSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        serializer = type(self.target)(context={"all_fields": True})
        schema = auto_schema._map_basic_serializer(serializer, direction)
        optional = set(serializer.role_dependent_fields or serializer.clinical_fields)
        if "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
        return schema


def _declared(view, method: str) -> set[int]:
    declared = getattr(view, "error_statuses", None) or {}
    action = getattr(view, "action", None)
    codes = set()
    for key in (f"{action} {method}", action, method, "*"):
        codes.update(declared.get(key, ()))
    return codes


SSE_DATA_MAX_LENGTH = 1_000_000  # a whole report in the `done` event


def sse_event(data_schema: dict) -> dict:
    """A Server-Sent Event as OpenAPI 3.0 tools read `text/event-stream` (one event object each):
    `event` names it, `data` is JSON of `data_schema`. OpenAPI 3.0 has no keyword for "a string
    holding JSON of this schema" (3.1's `contentSchema`), so the schema rides in `x-contentSchema`,
    which 3.0 validators and linters accept and generators can read."""
    return {
        "type": "object",
        "required": ["data"],
        "properties": {
            "event": {
                "type": "string",
                "maxLength": 50,
                "description": str(_("Sin nombre: texto parcial; `done`: fin; `error`: error.")),
            },
            "data": {
                "type": "string",
                "maxLength": SSE_DATA_MAX_LENGTH,
                "description": str(_("JSON del evento (ver `x-contentSchema`).")),
                "x-contentMediaType": "application/json",
                "x-contentSchema": data_schema,
            },
        },
    }


NO_NUL = "^[^\\x00]*$"  # PostgreSQL text cannot hold NUL; DRF's CharField refuses it
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"  # ... and, trimmed, it must not be empty


# The longest string each format can be: longer ones fail the field's own parsing, so the bound is
# what the code already enforces (ISO 8601 date-times stay under 64 characters with any offset).
FORMAT_MAX_LENGTH = {"uuid": 36, "date": 10, "date-time": 64, "time": 15, "email": 254, "uri": 2048}
INT32 = 2**31 - 1


def bound(schema: dict, direction: str = "request") -> dict:
    """What OpenAPI tools and gateways need to enforce a value: integers say their width, and on
    the request side a string with a format says its longest form."""
    if schema.get("type") == "integer" and "format" not in schema:
        wide = abs(schema.get("maximum", 0)) > INT32 or abs(schema.get("minimum", 0)) > INT32
        schema["format"] = "int64" if wide else "int32"
    if (
        direction == "request"
        and schema.get("type") == "string"
        and "maxLength" not in schema
        and "enum" not in schema
        and schema.get("format") in FORMAT_MAX_LENGTH
    ):
        schema["maxLength"] = FORMAT_MAX_LENGTH[schema["format"]]
    if direction == "request" and schema.get("format") in ("date", "date-time") and "pattern" not in schema:
        schema["pattern"] = YEAR_PATTERN  # what sessai.api.serializers.year_in_range refuses, stated
    for alternative in schema.get("oneOf", []) + schema.get("anyOf", []):
        bound(alternative, direction)
    if isinstance(schema.get("items"), dict):
        bound(schema["items"], direction)
    return schema


UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def filter_bounds(query_filter) -> dict:
    """The bounds a django-filter filter enforces: a text filter's `max_length`, an ordering's
    number of fields (StrictFilterSet refuses more terms)."""
    if isinstance(query_filter, django_filters.OrderingFilter):
        return {"minItems": 1, "maxItems": len(query_filter.param_map)}  # `ordering=` names no order: a 400
    if query_filter is not None and query_filter.extra.get("max_length"):
        return {"maxLength": query_filter.extra["max_length"]}
    return {}


def is_free_text(schema: dict) -> bool:
    """A string schema with nothing yet saying which strings (no format, enum or pattern)."""
    return schema.get("type") == "string" and not {"format", "enum", "pattern"} & schema.keys()


class AutoSchema(openapi.AutoSchema):
    def get_summary(self):
        text = operation_text(self.get_operation_id())
        return text[0] if text else None

    def get_description(self):
        text = operation_text(self.get_operation_id())
        return text[1] if text else super().get_description()

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = bound(super()._map_serializer_field(field, direction, bypass_extensions), direction)
        if getattr(field, "max_bytes_setting", None):
            schema["maxLength"] = field.max_bytes
        if isinstance(field, serializers.ListSerializer) and field.max_length is not None:
            schema["maxItems"] = field.max_length
        if direction != "request":
            return schema
        if (
            isinstance(field, serializers.CharField)
            and is_free_text(schema)
            and not any(isinstance(v, RegexValidator) for v in field.validators)
        ):
            # what DRF refuses, stated: NUL anywhere; only white space where blank is not allowed
            schema["pattern"] = NO_NUL if field.allow_blank or not field.trim_whitespace else NOT_BLANK
        alternative = getattr(field.parent, "flat_alternatives", {}).get(field.field_name)
        if alternative:  # the UI's flat form of an object field, also taken
            schema = {"anyOf": [schema, alternative]}  # `nullable` stays beside its `type`, in the object's own schema
        if isinstance(field.parent, InputSerializer):
            if blank_means_empty(field):
                schema["nullable"] = True
            elif blank_means_null(field) and schema.get("type") == "string" and "format" in schema:
                # `""` (an empty date input) or the format: the type stays beside `nullable`
                dated = {"format": schema.pop("format")} | (
                    {"pattern": schema.pop("pattern")} if "pattern" in schema else {}
                )
                schema["anyOf"] = [dated, {"maxLength": 0}]
        return schema

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        codes = _declared(self.view, self.method)
        has_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        filters = getattr(getattr(self.view, "filterset_class", None), "base_filters", {})
        for parameter in operation.get("parameters", []):
            schema = bound(parameter.get("schema", {}))
            if parameter["in"] == "query":
                schema.update(filter_bounds(filters.get(parameter["name"])))
                if is_free_text(schema):  # free-text filters refuse NUL like every text field
                    schema["pattern"] = NO_NUL
            if parameter["in"] == "path" and schema.get("pattern", "").strip("^$") == UUID_PATTERN:
                schema["maxLength"] = FORMAT_MAX_LENGTH["uuid"]
        if "requestBody" in operation:
            codes.update({400, 415})
            for content in operation["requestBody"].get("content", {}).values():
                setting = content.get("schema", {}).pop("x-max-bytes-setting", None)
                if setting:  # a raw body's size limit, read when the schema is generated (like SizedFileField)
                    content["schema"]["maxLength"] = getattr(django_settings, setting)
        if has_query:
            codes.add(400)
        if any(requirement for requirement in operation.get("security", [])):
            codes.add(401)
            if getattr(self.view, "allowed_roles", None) is not None:
                codes.add(403)
        if "{" in path:
            codes.add(404)
        codes.add(406)  # content negotiation: an `Accept` no renderer of the view offers
        if getattr(self.view, "rate_limits", None) and self.method not in ("GET", "HEAD", "OPTIONS"):
            codes.add(429)
        responses = operation["responses"]
        for code in sorted(codes | {int(c) for c in responses if c.startswith(("4", "5"))}):
            declared = responses.get(str(code), {})
            responses[str(code)] = {
                **self._error_response(code),
                **({"description": declared["description"]} if declared.get("description") else {}),
            }
        if 429 in codes:  # every answer of a limited operation carries the caller's standing
            for code, response in responses.items():
                if code.startswith(("2", "4")):
                    response["headers"] = {**response.get("headers", {}), **RATE_LIMIT_HEADERS}
        for response in responses.values():
            stream = response.get("content", {}).get("text/event-stream")
            if stream and "x-contentSchema" not in str(stream):
                stream["schema"] = sse_event(stream["schema"])
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        alternatives = schema.get("oneOf")
        if alternatives and len(alternatives) == 2 and alternatives[1] == {"type": "string", "maxLength": 0}:
            inner = alternatives[0]
            if inner.get("pattern") in (NO_NUL, NOT_BLANK) and not {"format", "minLength"} & inner.keys():
                schema.pop("oneOf")  # "" already matches the inner string: no alternative needed
                schema.update(inner)
            else:
                schema["type"] = "string"  # beside `nullable`, as OpenAPI 3.0 linters require
                if "maxLength" in inner:
                    schema["maxLength"] = inner["maxLength"]
                schema["anyOf"] = schema.pop("oneOf")  # "" may match both (a pattern that takes ""): either will do

    def _error_response(self, code: int) -> dict:
        component = ResolvedComponent(
            name="Error",
            type=ResolvedComponent.SCHEMA,
            object=ErrorSerializer,
            schema=self._map_basic_serializer(ErrorSerializer(), "response"),
        )
        self.registry.register_on_missing(component)
        # a view that streams (SSE) sends its errors as an `error` event when the client asked for the stream
        media_types = ["application/json"] + [
            r.media_type for r in self.view.get_renderers() if r.media_type == "text/event-stream"
        ]
        response = {
            "description": str(ERROR_DESCRIPTIONS.get(code, "")),
            "content": {media_type: {"schema": component.ref} for media_type in media_types},
        }
        if code in (429, 503):
            response["headers"] = RETRY_AFTER
        return response


def declare_tags(result, generator, request, public):
    """Postprocessing hook: every tag an operation uses, declared with its description."""
    used = {
        tag
        for item in result.get("paths", {}).values()
        for operation in item.values()
        for tag in operation.get("tags", [])
    }
    result["tags"] = [
        {"name": tag["name"], "description": str(tag["description"])} for tag in TAGS if tag["name"] in used
    ]
    return result


def nullable_types(result, generator, request, public):
    """Postprocessing hook: OpenAPI 3.0 wants `type` beside `nullable`. drf-spectacular leaves it
    out when the value is a reference (`allOf: [$ref]`, a `oneOf` of enums): it is the type the
    alternatives share."""
    components = result.get("components", {}).get("schemas", {})

    def type_of(schema: dict):
        if "$ref" in schema:
            return type_of(components.get(schema["$ref"].rsplit("/", 1)[-1], {}))
        if "type" in schema:
            return schema["type"]
        if "enum" in schema:
            kinds = {type(v).__name__ for v in schema["enum"] if v is not None}
            return {"str": "string", "int": "integer"}.get(kinds.pop()) if len(kinds) == 1 else None
        alternatives = {type_of(s) for s in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", [])}
        alternatives.discard(None)
        return alternatives.pop() if len(alternatives) == 1 else None

    def enum_values(schema: dict) -> list[str]:
        if "$ref" in schema:
            return enum_values(components.get(schema["$ref"].rsplit("/", 1)[-1], {}))
        values = [v for v in schema.get("enum", []) if isinstance(v, str)]
        for alternative in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []):
            values += enum_values(alternative)
        return values

    def walk(node):
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node and (kind := type_of(node)):
                node["type"] = kind
                if kind == "string" and (values := enum_values(node)):
                    node["maxLength"] = max(len(v) for v in values)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result


def inline_event_schemas(result, generator, request, public):
    """Postprocessing hook: a Server-Sent Event's `x-contentSchema` holds its schema itself, not a
    reference that linters would count as an unused component."""
    components = result.get("components", {}).get("schemas", {})
    inlined = set()

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("x-contentSchema", {}).get("$ref") if isinstance(node.get("x-contentSchema"), dict) else None
            if ref:
                name = ref.rsplit("/", 1)[-1]
                node["x-contentSchema"] = components[name]
                inlined.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result.get("paths", {}))
    text = json.dumps(result, default=str)
    for name in inlined:
        if f'"#/components/schemas/{name}"' not in text:
            components.pop(name)
    return result
