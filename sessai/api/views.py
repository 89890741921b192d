"""Base classes every API view derives from. Tenant and role scoping live here, nowhere else.

- `PublicAPIView`: no token (login, register, health, ...); may declare `rate_limits`.
- `PracticeAPIView`: a practice member with one of `allowed_roles`.
- `PracticeGenericViewSet` / `PracticeGenericAPIView`: as above, and the queryset comes only from
  `scoped_queryset(membership)`, so objects of another practice (or outside the caller's role)
  are simply not there: 404, never 403. `get_queryset` is final.

tests/test_scoping.py walks the URLconf and fails for any API view not built on these bases.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from rest_framework import generics, viewsets
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from sessai import logging as request_logging
from sessai import replica, scope
from sessai.api import ratelimit
from sessai.api.permissions import HasRole, IsPracticeMember
from sessai.audit import acting_as


class RateLimitedMixin:
    """`rate_limits = [("login_ip", "ip"), ("login_account", "account")]` applied to unsafe methods."""

    rate_limits: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.rate_limits and request.method not in ("GET", "HEAD", "OPTIONS"):
            ratelimit.enforce(request, self.rate_limits)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        ratelimit.add_headers(request, response)
        return response


class RequestScopeMixin:
    """A request's practice scope (sessai.scope, the second wall): `enter_practice` starts it, the
    response ends it (a streamed body keeps it while it is read)."""

    def initial(self, request, *args, **kwargs):
        self._practice_token = None
        super().initial(request, *args, **kwargs)

    def enter_practice(self, practice_id) -> None:
        """The rest of the request sees this practice's rows only."""
        self._practice_token = scope.enter(practice_id)

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_practice_token", None)
        if token is not None:
            if isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse):
                response.streaming_content = scope.carried(response.streaming_content)  # read after we return
            scope.leave(token)
            self._practice_token = None
        return super().finalize_response(request, response, *args, **kwargs)


class PublicAPIView(RequestScopeMixin, RateLimitedMixin, APIView):
    """No token. A view whose link names a practice's row (an invitation, a calendar feed, an
    attachment's signed link) declares `practice_from(request, **kwargs)` returning that row, looked
    up on the `token-lookup` platform path, and then runs in its practice; any other runs with no
    practice's rows in reach (sessai.scope)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    practice_from = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.practice_from is not None:
            # a request the lookup cannot read is answered by the view's own reading of it
            errors = (ParseError, ValueError, DjangoValidationError)
            if practice_id := scope.practice_found(type(self).practice_from, request, *args, errors=errors, **kwargs):
                self.enter_practice(practice_id)


class PracticeScopeMixin(RequestScopeMixin, RateLimitedMixin):
    permission_classes = [IsPracticeMember, HasRole]
    allowed_roles = None  # must be declared by every concrete view

    def initial(self, request, *args, **kwargs):
        # DRF authenticates lazily; make the audit actor the API caller, not Django's AnonymousUser.
        self._audit_context = None
        super().initial(request, *args, **kwargs)
        if request.user:
            membership = request.user.active_membership
            if membership is not None:  # the second wall: the database sees this practice's rows only
                self.enter_practice(membership.practice_id)
            use_language(request)
            self._audit_context = acting_as(request.user, remote_addr=request.META.get("REMOTE_ADDR"))
            self._audit_context.__enter__()
            replica.request_started_for(request.user.pk)
            request_logging.bind(
                user_id=str(request.user.pk), practice_id=str(membership.practice_id) if membership else ""
            )

    def finalize_response(self, request, response, *args, **kwargs):
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            user = getattr(request, "_user", None)  # only when authentication ran: never start it here
            if getattr(user, "is_authenticated", False):
                replica.wrote(user.pk)  # their next reads stay on the primary, whatever host serves them
        context = getattr(self, "_audit_context", None)
        if context is not None:
            context.__exit__(None, None, None)
            self._audit_context = None
        return super().finalize_response(request, response, *args, **kwargs)

    def get_serializer_context(self):
        context = super().get_serializer_context() if hasattr(super(), "get_serializer_context") else {}
        return {**context, "request": self.request, "membership": self.membership}

    @property
    def membership(self):
        return self.request.user.active_membership

    @property
    def practice(self):
        return self.membership.practice


def use_language(request) -> None:
    """A signed-in user's `preferences.language` decides the language of the answer (messages,
    relative times); `Accept-Language` only speaks for anonymous requests (LocaleMiddleware)."""
    profile = getattr(request.user, "profile", None)
    language = getattr(profile, "language", None)
    if language and language != translation.get_language():
        translation.activate(language)
        request.LANGUAGE_CODE = language


class PracticeAPIView(PracticeScopeMixin, APIView):
    pass


class ScopedQuerysetMixin(PracticeScopeMixin):
    queryset = None  # set to `Model.objects.none()`: documents the model; never used to serve data

    def scoped_queryset(self, membership):
        raise NotImplementedError(f"{type(self).__name__} must define scoped_queryset(membership)")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return self.queryset
        return self.scoped_queryset(self.membership)

    def filter_queryset(self, queryset):
        """Query-parameter filters narrow lists. A detail route takes none (the schema declares none
        there, and `UnknownQueryParametersMiddleware` refuses any it does not declare), so building
        and validating the list's filterset for each detail request would only cost time."""
        if getattr(self, "detail", False):
            return queryset
        return super().filter_queryset(queryset)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: override scoped_queryset(membership), not get_queryset")


class PracticeGenericAPIView(ScopedQuerysetMixin, generics.GenericAPIView):
    pass


class PracticeGenericViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    pass
