"""Unknown query parameters are refused (400), the way unknown body fields are: `?stauts=completed`
answering the unfiltered list would show a therapist the wrong patients' sessions without a word.

The parameters an operation accepts are the ones its OpenAPI description declares, read from
drf-spectacular's own inspection of that view (the schema and this check cannot disagree). Each
(route, method) is inspected once per process, on its first request."""

import threading

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import ComponentRegistry

from sessai.api.exceptions import error_body, is_api

_lock = threading.Lock()
_routes: dict | None = None  # callback -> (path, path_regex)
_accepted: dict = {}
DOCUMENTED_METHODS = {
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
}  # (callback, method) -> frozenset of query parameter names, or None (not an API operation)


def _endpoints() -> dict:
    global _routes
    if _routes is None:
        generator = SchemaGenerator()
        generator._initialise_endpoints()
        _routes = {}
        for path, path_regex, _method, callback in generator.endpoints:
            _routes.setdefault(callback, (path, path_regex, generator))
    return _routes


def _handles(callback, method: str) -> bool:
    """Whether the view serves this method (a viewset route maps only some)."""
    actions = getattr(callback, "actions", None)
    if actions is not None:
        return method.lower() in actions
    return hasattr(callback.cls, method.lower())


def accepted_parameters(callback, method: str) -> frozenset | None:
    """The query parameters the schema declares for this operation; None when it has none to
    declare (not a documented API operation)."""
    key = (callback, method)
    if key in _accepted:
        return _accepted[key]
    with _lock:
        if key in _accepted:
            return _accepted[key]
        route = _endpoints().get(callback)
        names = None
        if route is not None and _handles(callback, method):
            path, path_regex, generator = route
            view = generator.create_view(callback, method)
            operation = view.schema.get_operation(
                generator.coerce_path(path, method, view), path_regex, "", method, ComponentRegistry()
            )
            if operation is not None:
                names = frozenset(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
        _accepted[key] = names
        return names


class UnknownQueryParametersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.GET or not is_api(request) or request.method == "OPTIONS":
            return None
        if not settings.API_REFUSE_UNKNOWN_QUERY_PARAMETERS:
            return None
        method = "GET" if request.method == "HEAD" else request.method
        if method not in DOCUMENTED_METHODS:
            return None  # the view answers 405 itself
        accepted = accepted_parameters(view_func, method)
        if accepted is None:
            return None
        unknown = sorted(set(request.GET) - accepted)
        if not unknown:
            return None
        message = _("Parámetro desconocido")
        errors = {name[:100]: [message] for name in unknown[:20]}
        message = _("Parámetro de consulta desconocido: %(name)s") % {"name": unknown[0][:100]}
        return JsonResponse(error_body(message, "unknown_parameter", errors), status=400)
