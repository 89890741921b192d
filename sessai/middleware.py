"""Cross-cutting request handling: a hard cap on request bodies, and the per-request log context."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from sessai import logging as request_logging


class RequestSizeLimitMiddleware:
    """413 with the error envelope before Django reads an oversized body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return JsonResponse(
                {"message": _("La solicitud supera el tamaño máximo permitido"), "code": "request_too_large"}, status=413
            )
        request_logging.clear()  # a new request on this thread starts without the previous caller's ids
        return self.get_response(request)
