"""Fails when an API view is added without the tenant scope: every view under /api/ must be a
public view (explicitly allowed below) or built on the practice-scoped bases with roles declared."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.generics import GenericAPIView

from sessai.api.permissions import HasRole
from sessai.api.views import (
    PracticeAPIView,
    PracticeGenericAPIView,
    PracticeScopeMixin,
    PublicAPIView,
    ScopedQuerysetMixin,
)

PUBLIC_VIEWS = {
    "HealthView",
    "ReadyView",
    "NotFoundView",
    "SpectacularAPIView",
    "SpectacularSwaggerSplitView",
    "SpectacularRedocView",
    "LoginView",
    "MfaVerifyView",
    "RegisterView",
    "RefreshView",
    "ForgotPasswordView",
    "ResetPasswordView",
    "VerifyEmailView",
    "ResendVerificationView",
    "AcceptInvitationView",
    "AttachmentDownloadView",
    "CalendarIcsView",  # their secret tokens are the credential
}


def api_views():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                view_class = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
                if route.startswith("api/"):
                    yield route, view_class

    return list(walk(get_resolver().url_patterns))


def test_every_api_view_is_scoped_or_explicitly_public():
    views = api_views()
    assert len(views) > 20
    for route, view_class in views:
        assert view_class is not None, f"{route} is a plain function view: use the API base classes"
        if view_class.__name__ in PUBLIC_VIEWS:
            if view_class.__name__.startswith("Spectacular"):
                continue
            assert issubclass(view_class, PublicAPIView), route
            continue
        assert issubclass(view_class, PracticeScopeMixin), f"{route} ({view_class.__name__}) is not practice-scoped"
        assert view_class.allowed_roles, f"{route} ({view_class.__name__}) declares no allowed_roles"
        if issubclass(view_class, GenericAPIView):
            assert issubclass(view_class, ScopedQuerysetMixin), f"{route}: querysets must come from scoped_queryset"


def test_a_view_overriding_get_queryset_is_refused():
    with pytest.raises(TypeError):
        type("Leaky", (PracticeGenericAPIView,), {"get_queryset": lambda self: None})


def test_views_without_roles_deny_everyone(rf):
    class NoRoles(PracticeAPIView):
        pass

    request = rf.get("/")
    request.user = type("U", (), {"active_membership": type("M", (), {"role": "admin"})()})()
    assert HasRole().has_permission(request, NoRoles()) is False


@pytest.mark.django_db
def test_every_authenticated_operation_refuses_a_missing_token(client):
    """Walks the OpenAPI schema: each operation that documents bearer auth answers 401 (JSON
    envelope) to a request without a token, whatever the path parameters."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    checked = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            kinds = {p["name"]: p["schema"].get("type") for p in operation.get("parameters", []) if p["in"] == "path"}
            url = re.sub(
                r"\{([^}]+)\}",
                lambda m, kinds=kinds: (
                    "0" if kinds.get(m.group(1)) == "integer" else "00000000-0000-4000-8000-000000000000"
                ),
                path,
            )
            security = operation.get("security") or []
            if not any("bearerAuth" in requirement for requirement in security):
                continue
            response = getattr(client, method)(url, content_type="application/json")
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.json()["code"] in ("not_authenticated", "token_expired")
            checked += 1
    assert checked > 50
