"""One error envelope for every non-2xx answer: {"message", "code", "errors"?} (api-contract §1)."""

import logging

from django import db
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request, page_not_found, permission_denied, server_error
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from sessai.api.wire import camel
from sessai.errors import DomainError, ServiceUnavailable

logger = logging.getLogger("sessai.api")


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"field" | "parent.child": [messages]} with camelCase keys."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key in ("non_field_errors", "__all__") else camel(str(key))
            out.update(flatten_errors(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                out.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    if "non_field_errors" in out:
        out["nonFieldErrors"] = out.pop("non_field_errors")
    return out


def error_body(message, code: str, errors: dict | None = None) -> dict:
    body = {"message": str(message), "code": code}
    if errors:
        body["errors"] = errors
    return body


def _auth_error(exc) -> tuple[str, str]:
    """Spanish message and stable code for a 401."""
    text = str(getattr(exc, "detail", "")) + str(getattr(exc, "args", ""))
    if isinstance(exc, (InvalidToken, TokenError)) and "expired" in text.lower():
        return _("Tu sesión ha expirado. Inicia sesión nuevamente."), "token_expired"
    if isinstance(exc, exceptions.NotAuthenticated):
        return _("Debes iniciar sesión para continuar."), "not_authenticated"
    return _("Token inválido o expirado."), "not_authenticated"


def exception_handler(exc, context):
    """DRF exception handler: every error leaves as the envelope, in the request's language."""
    headers = {}
    if isinstance(exc, (db.OperationalError, db.InterfaceError)):
        # The database is unreachable (restarting, failing over): a clear, retryable answer. The
        # broken connection is dropped at the end of the request; the next one reconnects.
        logger.warning("Database unavailable in %s: %s", context.get("view").__class__.__name__, exc)
        exc = ServiceUnavailable(headers={"Retry-After": "5"})
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.message, exc.code, exc.errors), status=exc.status_code, headers=exc.headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)

    if isinstance(exc, (InvalidToken, TokenError, exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        message, code = _auth_error(exc)
        response = Response(error_body(message, code), status=status.HTTP_401_UNAUTHORIZED)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        set_rollback()
        return Response(
            error_body(_("Error interno del servidor"), "server_error"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        first = next(iter(errors.values()))[0] if errors else _("Datos inválidos")
        return Response(error_body(first, "invalid", errors), status=400, headers=headers)

    if getattr(exc, "default_code", None) == "invalid_text":  # sessai.api.parsers.InvalidText
        return Response(error_body(exc.detail, "invalid_text", {camel(exc.field): [str(exc.detail)]}), status=400)
    messages = {
        exceptions.ParseError: (_("El cuerpo de la solicitud no es JSON válido."), "parse_error"),
        exceptions.PermissionDenied: (_("No tienes permiso para realizar esta acción"), "permission_denied"),
        exceptions.NotFound: (_("No encontrado"), "not_found"),
        exceptions.MethodNotAllowed: (_("Método no permitido"), "method_not_allowed"),
        exceptions.NotAcceptable: (_("Formato de respuesta no disponible"), "not_acceptable"),
        exceptions.UnsupportedMediaType: (_("Tipo de contenido no soportado"), "unsupported_media_type"),
        exceptions.Throttled: (_("Demasiadas solicitudes. Intenta de nuevo más tarde."), "rate_limited"),
    }
    for cls, (message, code) in messages.items():
        if isinstance(exc, cls):
            return Response(error_body(message, code), status=exc.status_code, headers=headers)
    return Response(error_body(exc.detail, exc.default_code), status=exc.status_code, headers=headers)


def is_api(request) -> bool:
    """An API request: JSON errors, no browser session, `no-store`."""
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if is_api(request):
        return JsonResponse(error_body(_("No encontrado"), "not_found"), status=404)
    return page_not_found(request, exception)


def handler500(request):
    if is_api(request):
        return JsonResponse(error_body(_("Error interno del servidor"), "server_error"), status=500)
    return server_error(request)


def handler400(request, exception=None):
    if is_api(request):
        return JsonResponse(error_body(_("Solicitud inválida"), "invalid"), status=400)
    return bad_request(request, exception)


def handler403(request, exception=None):
    if is_api(request):
        return JsonResponse(
            error_body(_("No tienes permiso para realizar esta acción"), "permission_denied"), status=403
        )
    return permission_denied(request, exception)
