"""Domain errors raised by services and selectors; the API layer turns them into the error envelope."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule said no. Subclasses fix the HTTP status and the stable `code`."""

    status_code = 400
    code = "invalid"
    default_message = _("Solicitud inválida")

    def __init__(self, message=None, *, code=None, errors=None, headers=None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.errors = errors
        self.headers = headers or {}
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    status_code = 400
    code = "invalid"


class AuthenticationError(DomainError):
    status_code = 401
    code = "not_authenticated"
    default_message = _("Credenciales inválidas")


class Forbidden(DomainError):
    status_code = 403
    code = "permission_denied"
    default_message = _("No tienes permiso para realizar esta acción")


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_message = _("No encontrado")


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    default_message = _("La operación entra en conflicto con el estado actual")


class RateLimited(DomainError):
    status_code = 429
    code = "rate_limited"
    default_message = _("Demasiadas solicitudes. Intenta de nuevo más tarde.")

    def __init__(self, retry_after: int, message=None):
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})


class PreconditionFailed(DomainError):
    """A required request header says something the server does not speak (tus' `Tus-Resumable`)."""

    status_code = 412
    code = "precondition_failed"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "file_too_large"


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"
    default_message = _("Servicio no disponible. Intenta nuevamente en unos minutos.")
