"""Cross-cutting request handling: a hard cap on request bodies, and the per-request log context."""

import re

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from sessai import logging as request_logging


def _limit_for(path: str) -> int:
    for pattern, limit in settings.LARGE_BODY_PATHS:
        if re.match(pattern, path):
            return limit
    return settings.MAX_REQUEST_BYTES


class RequestSizeLimitMiddleware:
    """First in the chain: 413 with the error envelope before anything reads an oversized body,
    and 400 for a Content-Length that is not a number (it crashed django-prometheus: found by
    schemathesis)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.headers.get("Content-Length") or request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return JsonResponse({"message": _("Solicitud inválida"), "code": "invalid"}, status=400)
        if length > _limit_for(request.path):
            return JsonResponse(
                {"message": _("La solicitud supera el tamaño máximo permitido"), "code": "request_too_large"}, status=413
            )
        request_logging.clear()  # a new request on this thread starts without the previous caller's ids
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing the API answers is kept by a browser or a proxy: `Cache-Control: no-store` on every
    `/api/` response (clinical JSON, file downloads, errors) unless the view chose its own policy
    (the iCal feed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/") and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response


REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


class RequestIdFilterMiddleware:
    """A caller's `X-Request-ID` is echoed and logged only when it looks like one (up to 64
    letters, digits and hyphens: a UUID, a proxy's hex id); anything else is dropped, and
    django-guid makes a new id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        value = request.META.get("HTTP_X_REQUEST_ID")
        if value is not None and not REQUEST_ID.fullmatch(value):
            del request.META["HTTP_X_REQUEST_ID"]
            request.__dict__.pop("headers", None)  # `request.headers` is cached from META on first use
        return self.get_response(request)
