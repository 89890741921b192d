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

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from sessai.api.serializers import InputSerializer, blank_means_empty, blank_means_null

ERROR_DESCRIPTIONS = {
    400: _("Datos inválidos: `message` en español y `errors` por campo."),
    401: _("Sin token, o token inválido o expirado."),
    402: _("Créditos insuficientes."),
    403: _("El rol del usuario no permite esta operación."),
    404: _("No existe, o pertenece a otra consulta."),
    409: _("Conflicto con el estado actual (horario ocupado, registro firmado, ...)."),
    413: _("Archivo demasiado grande."),
    415: _("Tipo de contenido no soportado."),
    429: _("Demasiadas solicitudes: reintentar después de `Retry-After` segundos."),
    503: _("Servicio externo no disponible: reintentar más tarde."),
}
RETRY_AFTER = {"Retry-After": {"description": str(_("Segundos de espera antes de reintentar.")),
                               "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 86400}}}


class ErrorSerializer(serializers.Serializer):
    """The error envelope of every non-2xx answer (api-contract §1)."""

    message = serializers.CharField(help_text=_("Mensaje para mostrar al usuario, en su idioma."))
    code = serializers.CharField(help_text=_("Código estable para programas: invalid, not_found, conflict, ..."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text=_("Errores por campo (camelCase; anidados como `padre.hijo`)."),
    )


class DeviceSessionJWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.DeviceSessionJWTAuthentication"
    name = "bearerAuth"


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


def sse_event(data_schema: dict) -> dict:
    """A Server-Sent Event as OpenAPI 3.0 tools read `text/event-stream` (one event object each):
    `event` names it, `data` is JSON of `data_schema`."""
    return {
        "type": "object",
        "required": ["data"],
        "properties": {
            "event": {"type": "string", "maxLength": 50, "description": str(_("Sin nombre: texto parcial; `done`: fin; `error`: error."))},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data_schema},
        },
    }


NO_NUL = "^[^\\x00]*$"  # PostgreSQL text cannot hold NUL; DRF's CharField refuses it
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"  # ... and, trimmed, it must not be empty


def is_free_text(schema: dict) -> bool:
    """A string schema with nothing yet saying which strings (no format, enum or pattern)."""
    return schema.get("type") == "string" and not {"format", "enum", "pattern"} & schema.keys()


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request":
            return schema
        if (isinstance(field, serializers.CharField) and is_free_text(schema)
                and not any(isinstance(v, RegexValidator) for v in field.validators)):
            # what DRF refuses, stated: NUL anywhere; only white space where blank is not allowed
            schema["pattern"] = NO_NUL if field.allow_blank or not field.trim_whitespace else NOT_BLANK
        if isinstance(field.parent, InputSerializer):
            if blank_means_empty(field):
                schema["nullable"] = True
            elif blank_means_null(field) and schema.get("type") == "string" and "format" in schema:
                # `""` (an empty date input) or the format: the type stays beside `nullable`
                schema["anyOf"] = [{"format": schema.pop("format")}, {"maxLength": 0}]
        return schema

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        codes = _declared(self.view, self.method)
        has_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        for parameter in operation.get("parameters", []):  # free-text filters refuse NUL like every text field
            schema = parameter.get("schema", {})
            if parameter["in"] == "query" and is_free_text(schema):
                schema["pattern"] = NO_NUL
        if "requestBody" in operation:
            codes.update({400, 415})
        if has_query:
            codes.add(400)
        if any(requirement for requirement in operation.get("security", [])):
            codes.add(401)
            if getattr(self.view, "allowed_roles", None) is not None:
                codes.add(403)
        if "{" in path:
            codes.add(404)
        if getattr(self.view, "rate_limits", None) and self.method not in ("GET", "HEAD", "OPTIONS"):
            codes.add(429)
        responses = operation["responses"]
        for code in sorted(codes | {int(c) for c in responses if c.startswith(("4", "5"))}):
            declared = responses.get(str(code), {})
            responses[str(code)] = {**self._error_response(code), **({"description": declared["description"]} if declared.get("description") else {})}
        for response in responses.values():
            stream = response.get("content", {}).get("text/event-stream")
            if stream and "contentSchema" not in str(stream):
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

    def _error_response(self, code: int) -> dict:
        component = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, object=ErrorSerializer,
            schema=self._map_basic_serializer(ErrorSerializer(), "response"),
        )
        self.registry.register_on_missing(component)
        # a view that streams (SSE) sends its errors as an `error` event when the client asked for the stream
        media_types = ["application/json"] + [r.media_type for r in self.view.get_renderers() if r.media_type == "text/event-stream"]
        response = {"description": str(ERROR_DESCRIPTIONS.get(code, "")),
                    "content": {media_type: {"schema": component.ref} for media_type in media_types}}
        if code in (429, 503):
            response["headers"] = RETRY_AFTER
        return response
