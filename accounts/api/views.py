"""Auth, profile, account security and team endpoints (api-contract §3 and §4)."""

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts import messages as msg
from accounts import selectors, services
from accounts.api import serializers as s
from accounts.models import DeviceSession, Membership
from sessai.api import ratelimit
from sessai.api.permissions import ADMIN, STAFF
from sessai.api.views import PracticeAPIView, PracticeGenericViewSet, PublicAPIView


def _user_payload(request, user, membership=None) -> dict:
    detailed = selectors.user_with_details(user.pk)
    detailed.active_membership = membership or user.active_membership or _membership_of(user)
    return s.UserSerializer(detailed, context={"request": request}).data


def _membership_of(user):
    return Membership.objects.active().select_related("practice").filter(user=user).first()


def _auth_response(request, user, tokens, message, status_code=200) -> Response:
    return Response(
        {"user": _user_payload(request, user), "tokens": tokens, "message": str(message)}, status=status_code
    )


def _validated(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Authentication -------------------------------------------------------------------------


class LoginView(PublicAPIView):
    rate_limits = ratelimit.LOGIN_LIMITS

    @extend_schema(request=s.LoginSerializer, responses={200: s.AuthResponseSerializer, 401: s.MessageSerializer})
    def post(self, request):
        data = _validated(s.LoginSerializer, request)
        result = services.user_login(
            email=data["email"], password=data["password"], remember_me=data["remember_me"], request=request
        )
        if result.mfa_token:
            return Response({"mfa_required": True, "mfa_token": result.mfa_token, "message": str(msg.MFA_REQUIRED)})
        return _auth_response(request, result.user, result.tokens, msg.LOGIN_OK)


class MfaVerifyView(PublicAPIView):
    rate_limits = [("mfa_ip", "ip")]
    error_statuses = {"POST": (401,)}

    @extend_schema(request=s.MfaVerifySerializer, responses={200: s.AuthResponseSerializer})
    def post(self, request):
        data = _validated(s.MfaVerifySerializer, request)
        result = services.user_login_mfa(mfa_token=data["mfa_token"], code=data["code"], request=request)
        return _auth_response(request, result.user, result.tokens, msg.LOGIN_OK)


class RegisterView(PublicAPIView):
    rate_limits = [("register_ip", "ip")]

    @extend_schema(request=s.RegisterSerializer, responses={201: s.AuthResponseSerializer})
    def post(self, request):
        data = _validated(s.RegisterSerializer, request)
        user, tokens = services.user_register(
            name=data["name"],
            email=data["email"],
            password=data["password"],
            license_number=data.get("license_number", ""),
            specialties=data.get("specialties", []),
            request=request,
        )
        return _auth_response(request, user, tokens, msg.REGISTER_OK, status.HTTP_201_CREATED)


class RefreshView(PublicAPIView):
    error_statuses = {"POST": (401,)}

    @extend_schema(request=s.RefreshSerializer, responses={200: s.TokensSerializer})
    def post(self, request):
        data = _validated(s.RefreshSerializer, request)
        return Response(services.session_refresh(refresh_token=data["refresh_token"], request=request))


class LogoutView(PracticeAPIView):
    allowed_roles = STAFF

    @extend_schema(request=s.LogoutSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = _validated(s.LogoutSerializer, request)
        services.session_logout(
            user=request.user, session_id=request.user.device_session_id, refresh_token=data.get("refresh_token")
        )
        return Response({"message": str(msg.LOGOUT_OK)})


class ForgotPasswordView(PublicAPIView):
    rate_limits = [("password_reset_ip", "ip"), ("password_reset_account", "account")]

    @extend_schema(request=s.EmailSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = _validated(s.EmailSerializer, request)
        services.password_reset_request(email=data["email"])
        return Response({"message": str(msg.FORGOT_PASSWORD_OK)})


class ResetPasswordView(PublicAPIView):
    rate_limits = [("password_reset_ip", "ip")]

    @extend_schema(request=s.NewPasswordSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = _validated(s.NewPasswordSerializer, request)
        services.password_reset_confirm(
            token=data["token"], password=data["password"], confirm=data["confirm_password"]
        )
        return Response({"message": str(msg.RESET_PASSWORD_OK)})


class VerifyEmailView(PublicAPIView):
    rate_limits = [("verification_ip", "ip")]

    @extend_schema(request=s.TokenSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = _validated(s.TokenSerializer, request)
        services.email_verify(token=data["token"])
        return Response({"message": str(msg.VERIFY_OK)})


class ResendVerificationView(PublicAPIView):
    rate_limits = [("verification_ip", "ip"), ("password_reset_account", "account")]

    @extend_schema(request=s.EmailSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = _validated(s.EmailSerializer, request)
        services.email_verification_resend(email=data["email"])
        return Response({"message": str(msg.RESEND_VERIFICATION_OK)})


class AcceptInvitationView(PublicAPIView):
    rate_limits = [("password_reset_ip", "ip")]

    @staticmethod
    def practice_from(request):
        token = request.data.get("token") if isinstance(request.data, dict) else None
        return services.invitation_named(token) if isinstance(token, str) else None

    @extend_schema(request=s.NewPasswordSerializer, responses={200: s.AuthResponseSerializer})
    def post(self, request):
        data = _validated(s.NewPasswordSerializer, request)
        user, tokens = services.invitation_accept(
            token=data["token"], password=data["password"], confirm=data["confirm_password"], request=request
        )
        return _auth_response(request, user, tokens, msg.INVITATION_ACCEPTED)


# --- The signed-in user ---------------------------------------------------------------------


class ProfileView(PracticeAPIView):
    allowed_roles = STAFF

    @extend_schema(responses={200: s.UserSerializer})
    def get(self, request):
        return Response(_user_payload(request, request.user))

    @extend_schema(request=s.ProfileUpdateSerializer, responses={200: s.UserSerializer})
    def put(self, request):
        data = _validated(s.ProfileUpdateSerializer, request)
        services.profile_update(user=selectors.user_with_details(request.user.pk), data=dict(data))
        return Response(_user_payload(request, request.user))

    patch = put


class ProfilePhotoView(PracticeAPIView):
    allowed_roles = STAFF
    parser_classes = [MultiPartParser]
    rate_limits = [("upload_user", "user")]
    error_statuses = {"POST": (413,)}

    @extend_schema(request={"multipart/form-data": s.PhotoSerializer}, responses={200: s.UserSerializer})
    def post(self, request):
        data = _validated(s.PhotoSerializer, request)
        services.profile_photo_set(user=selectors.user_with_details(request.user.pk), photo=data["photo"])
        return Response(_user_payload(request, request.user))


class ChangePasswordView(PracticeAPIView):
    allowed_roles = STAFF
    rate_limits = [("password_reset_ip", "ip")]

    @extend_schema(request=s.ChangePasswordSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = _validated(s.ChangePasswordSerializer, request)
        services.password_change(
            user=request.user,
            current=data["current_password"],
            password=data["password"],
            confirm=data["confirm_password"],
            keep_session_id=request.user.device_session_id,
        )
        return Response({"message": str(msg.PASSWORD_CHANGED)})


class DeviceSessionViewSet(mixins.ListModelMixin, PracticeGenericViewSet):
    """The caller's own signed-in devices (`GET/DELETE /api/auth/sessions`)."""

    allowed_roles = STAFF
    serializer_class = s.DeviceSessionSerializer
    queryset = DeviceSession.objects.none()

    def scoped_queryset(self, membership):
        return selectors.device_session_list(user=membership.user)

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "current_session_id": getattr(self.request.user, "device_session_id", None),
        }

    @extend_schema(responses={200: s.MessageSerializer})
    def destroy(self, request, pk=None):
        self.get_object()  # 404 for someone else's or an ended session
        services.session_revoke(user=request.user, session_id=pk)
        return Response({"message": str(msg.SESSION_REVOKED)})


class MfaStatusView(PracticeAPIView):
    allowed_roles = STAFF

    @extend_schema(
        responses={
            200: inline_serializer(
                "MfaStatus",
                {"totp_enabled": serializers.BooleanField(), "recovery_codes_remaining": serializers.IntegerField()},
            )
        }
    )
    def get(self, request):
        authenticators = {a.type: a for a in Authenticator.objects.filter(user=request.user)}
        recovery = authenticators.get(Authenticator.Type.RECOVERY_CODES)
        return Response(
            {
                "totp_enabled": Authenticator.Type.TOTP in authenticators,
                "recovery_codes_remaining": len(RecoveryCodes(recovery).get_unused_codes()) if recovery else 0,
            }
        )


class MfaTotpSetupView(PracticeAPIView):
    allowed_roles = STAFF
    error_statuses = {"POST": (409,)}

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "MfaSetup",
                {
                    "secret": serializers.CharField(),
                    "otpauth_url": serializers.CharField(),
                    "setup_token": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request):
        return Response(services.mfa_totp_begin(user=request.user))


class MfaTotpConfirmView(PracticeAPIView):
    allowed_roles = STAFF
    error_statuses = {"POST": (409,)}
    rate_limits = [("mfa_ip", "ip")]

    @extend_schema(
        request=s.MfaConfirmSerializer,
        responses={
            200: inline_serializer(
                "MfaCodes",
                {
                    "recovery_codes": serializers.ListField(child=serializers.CharField()),
                    "message": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request):
        data = _validated(s.MfaConfirmSerializer, request)
        codes = services.mfa_totp_confirm(user=request.user, setup_token=data["setup_token"], code=data["code"])
        return Response({"recovery_codes": codes, "message": str(msg.MFA_ENABLED)})


class MfaTotpDisableView(PracticeAPIView):
    allowed_roles = STAFF
    error_statuses = {"POST": (409,)}
    rate_limits = [("mfa_ip", "ip")]

    @extend_schema(request=s.PasswordConfirmSerializer, responses={200: s.MessageSerializer})
    def post(self, request):
        data = _validated(s.PasswordConfirmSerializer, request)
        services.mfa_disable(user=request.user, password=data["password"])
        return Response({"message": str(msg.MFA_DISABLED)})


class MfaRecoveryCodesView(PracticeAPIView):
    allowed_roles = STAFF
    error_statuses = {"POST": (409,)}
    rate_limits = [("mfa_ip", "ip")]

    @extend_schema(
        request=s.PasswordConfirmSerializer,
        responses={
            200: inline_serializer(
                "MfaRecoveryCodes", {"recovery_codes": serializers.ListField(child=serializers.CharField())}
            )
        },
    )
    def post(self, request):
        data = _validated(s.PasswordConfirmSerializer, request)
        return Response(
            {"recovery_codes": services.mfa_recovery_codes_regenerate(user=request.user, password=data["password"])}
        )


# --- Team (admins) --------------------------------------------------------------------------


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PracticeGenericViewSet):
    """`/api/admin/team`: the practice's members. The URL id is the member's user id."""

    allowed_roles = ADMIN
    serializer_class = s.TeamMemberSerializer
    queryset = Membership.objects.none()
    lookup_field = "user_id"
    lookup_url_kwarg = "pk"
    ordering_fields = ["name"]
    error_statuses = {"partial_update": (409,), "destroy": (409,), "resend_invitation": (409,)}

    def scoped_queryset(self, membership):
        return selectors.member_list(practice=membership.practice)

    def _member(self):
        return self.get_object()

    def _out(self, membership):
        fresh = self.get_queryset().get(pk=membership.pk)
        return Response(s.TeamMemberSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=s.TeamInviteSerializer, responses={201: s.TeamMemberSerializer})
    def create(self, request):
        data = _validated(s.TeamInviteSerializer, request)
        membership = services.member_invite(practice=self.practice, invited_by=request.user, **data)
        response = self._out(membership)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=s.TeamUpdateSerializer, responses={200: s.TeamMemberSerializer})
    def partial_update(self, request, pk=None):
        membership = self._member()
        data = _validated(s.TeamUpdateSerializer, request)
        services.member_update(membership=membership, data=data, actor=request.user)
        return self._out(membership)

    @extend_schema(request=None, responses={200: s.TeamMemberSerializer})
    def destroy(self, request, pk=None):
        membership = self._member()
        services.member_deactivate(membership=membership, actor=request.user)
        return self._out(membership)

    @extend_schema(request=None, responses={200: s.MessageSerializer})
    @action(detail=True, methods=["post"], url_path="resend-invitation")
    def resend_invitation(self, request, pk=None):
        services.member_invitation_resend(membership=self._member(), invited_by=request.user)
        return Response({"message": str(msg.INVITATION_SENT)})


class UserStatsView(PracticeAPIView):
    allowed_roles = ADMIN

    @extend_schema(responses={200: s.UserStatsSerializer})
    def get(self, request):
        return Response(selectors.member_stats(practice=self.practice))
