"""Cross-cutting request handling: a hard cap on request bodies, and the per-request log context."""

import re

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import checks
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from sessai import logging as request_logging
from sessai import scope
from sessai.api.exceptions import handler404, is_api
from sessai.pages import page
from sessai.validtext import MESSAGE, invalid_in_request


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
                {"message": _("La solicitud supera el tamaño máximo permitido"), "code": "request_too_large"},
                status=413,
            )
        request_logging.clear()  # a new request on this thread starts without the previous caller's ids
        return self.get_response(request)


class ApiNotFoundMiddleware:
    """An address under /api/ that matches no route is the API's JSON 404, with DEBUG on too:
    Django's debug 404 page is HTML (the handler404 answers JSON only when DEBUG is off), and a
    client of the API must get the same envelope in development as in production."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and is_api(request) and response.get("Content-Type", "").startswith("text/html"):
            return handler404(request)
        return response


class ValidTextMiddleware:
    """400 for a query value, an urlencoded form value or a key header that is not valid text
    (sessai.validtext): the API's envelope naming the parameter, or a page saying so. JSON bodies
    are checked by the API's parser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = invalid_in_request(request)
        if where is None:
            return self.get_response(request)
        if is_api(request):
            return JsonResponse(
                {"message": str(MESSAGE), "code": "invalid_text", "errors": {where: [str(MESSAGE)]}}, status=400
            )
        return page(request, "portal/message.html", {"title": _("Solicitud inválida"), "message": MESSAGE}, status=400)


class NoStoreMiddleware:
    """Nothing the API answers is kept by a browser or a proxy: `Cache-Control: no-store` on every
    `/api/` response (clinical JSON, file downloads, errors) unless the view chose its own policy
    (the iCal feed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_api(request) and not response.has_header("Cache-Control"):
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


def browser_only(middleware_class):
    """`middleware_class` for the pages a browser signs in to (the console, the patients' pages),
    skipped for `/api/`.

    The API keeps no cookie state: each request carries its bearer token, and every `/api/` view is
    CSRF-exempt (DRF's; a test walks them). Sessions, CSRF, the session user and messages would only
    add work to each API request: a message storage, a lazy user, the CSRF cookie checks. A subclass,
    so Django's admin checks still find each one, and its hooks (CSRF's `process_view` included) keep
    their place in the chain for the console. allauth's AccountMiddleware stays as it is: allauth
    requires it by name, and its flows read the request context it sets."""

    class BrowserOnly(middleware_class):
        def __call__(self, request):
            if is_api(request):
                return self.get_response(request)
            return super().__call__(request)

    def hook(name):
        def skip_for_api(self, request, *args):
            return None if is_api(request) else getattr(super(BrowserOnly, self), name)(request, *args)

        skip_for_api.__name__ = name
        return skip_for_api

    for name in ("process_view", "process_exception", "process_template_response"):
        if hasattr(middleware_class, name):
            setattr(BrowserOnly, name, hook(name))
    BrowserOnly.__name__ = BrowserOnly.__qualname__ = f"BrowserOnly{middleware_class.__name__}"
    BrowserOnly.__doc__ = f"{middleware_class.__name__}, skipped for `/api/` requests."
    return BrowserOnly


BrowserSessionMiddleware = browser_only(SessionMiddleware)
BrowserCsrfMiddleware = browser_only(CsrfViewMiddleware)
BrowserAuthenticationMiddleware = browser_only(AuthenticationMiddleware)
BrowserMessageMiddleware = browser_only(MessageMiddleware)


def csrf_middleware_check(app_configs=None, **kwargs):
    """Django's `security.W003` looks for CsrfViewMiddleware by its dotted name, so it cannot see
    `BrowserCsrfMiddleware`; it is silenced in the settings and this check takes its place: a
    subclass of CsrfViewMiddleware must be in MIDDLEWARE."""
    if any(
        issubclass(cls, CsrfViewMiddleware) for cls in map(import_string, settings.MIDDLEWARE) if isinstance(cls, type)
    ):
        return []
    return [
        checks.Warning(
            "No CsrfViewMiddleware (or BrowserCsrfMiddleware) in MIDDLEWARE: the console's forms lose CSRF protection.",
            id="sessai.W003",
        )
    ]


class ScopeMiddleware:
    """Every request starts with no practice's rows in reach (sessai.scope): the API's base views
    scope it to the caller's practice, a patient's page to its link's, the console to its platform
    path. Whatever a request forgot, a persistent connection does not carry it into the next one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope.nobody():
            return self.get_response(request)
