"""Bearer access tokens tied to a live device session and an active membership, in one query."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts.models import DeviceSession, Membership


def live_membership(user_id, session_id):
    """The caller's active membership (with user and practice) if the device session is still live."""
    live_session = DeviceSession.objects.filter(
        id=session_id, user_id=OuterRef("user_id"), revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    return (
        Membership.objects.select_related("user", "user__profile", "practice")  # the profile carries the language
        .filter(user_id=user_id, is_active=True, user__is_active=True, practice__is_active=True)
        .filter(Exists(live_session))
        .first()
    )


class DeviceSessionJWTAuthentication(JWTAuthentication):
    """simplejwt validates signature, algorithm (HS256 only, never `none`), type and expiry; this
    adds revocation: a logged-out or revoked device, a deactivated user or membership is refused."""

    def get_user(self, validated_token):
        user_id = validated_token.get("user_id")
        session_id = validated_token.get("sid")
        if not user_id or not session_id:
            raise AuthenticationFailed("Token without session", code="token_not_valid")
        try:
            membership = live_membership(user_id, session_id)
        except (ValueError, TypeError, DjangoValidationError):
            membership = None
        if membership is None:
            raise AuthenticationFailed("Session revoked or user inactive", code="token_not_valid")
        user = membership.user
        user.active_membership = membership
        user.device_session_id = session_id
        return user
