"""Sessions, CSRF, the session user and messages run for the console and the patients' pages, not
for `/api/` (sessai.middleware.browser_only): the API authenticates every request by its token."""

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from patients.tests.factories import patient_for
from sessai.middleware import csrf_middleware_check


def _api_views(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_views(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/"):
            yield route, entry.callback


def test_every_api_view_is_csrf_exempt():
    """Skipping the CSRF middleware for /api/ changes nothing: no API view relied on it."""
    views = list(_api_views())
    assert len(views) > 80
    assert [route for route, view in views if not getattr(view, "csrf_exempt", False)] == []


def test_api_request_carries_no_session_state(as_therapist, therapist_member, operator):
    """Even with the console's session cookie in the jar, an API request neither loads a session nor
    a message storage, sets no cookie, and is not varied by cookie."""
    patient = patient_for(therapist_member, name="Galleta Pérez")
    as_therapist.cookies.update(operator.cookies)  # a browser signed in to the console and the UI
    response = as_therapist.get(f"/api/patients/{patient.id}")
    assert response.status_code == 200
    request = response.wsgi_request
    assert not hasattr(request, "session") and not hasattr(request, "_messages")
    assert response.cookies == {} and "Cookie" not in response.get("Vary", "")
    assert response["Cache-Control"] == "no-store"


def test_a_console_session_does_not_authenticate_the_api(operator):
    assert operator.get("/admin/").status_code == 200  # the session is valid for the console
    response = operator.get("/api/auth/profile")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_the_console_keeps_sessions_and_csrf(operator_user):
    browser = Client(enforce_csrf_checks=True)
    assert (
        browser.post("/admin/login/", {"username": operator_user.email, "password": "OpsClave123"}).status_code == 403
    )
    page = browser.get("/admin/login/")
    assert page.status_code == 200 and "csrftoken" in page.cookies
    token = page.cookies["csrftoken"].value
    step = browser.post(
        "/admin/login/", {"username": operator_user.email, "password": "OpsClave123", "csrfmiddlewaretoken": token}
    )
    assert step.status_code == 302 and "sessionid" in step.cookies  # on to the TOTP step, held in the session
    assert hasattr(step.wsgi_request, "session") and step.wsgi_request.session.get("console_pending_uid")


def test_the_deploy_check_still_requires_csrf_protection(settings):
    assert csrf_middleware_check() == []
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "Csrf" not in m]
    assert [w.id for w in csrf_middleware_check()] == ["sessai.W003"]
