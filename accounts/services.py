"""Write operations of the accounts domain: registration, login and device sessions, passwords,
email verification, MFA and the team. Each function is one use case and owns its transaction."""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, validate_totp_code
from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import emails
from accounts import messages as msg
from accounts.choices import Role
from accounts.models import (
    DeviceSession,
    Invitation,
    Membership,
    Practice,
    Profile,
    User,
    default_member_color,
    normalize_email,
)
from accounts.signals import practice_created
from sessai import scope
from sessai.api.ratelimit import authenticate_limited
from sessai.errors import AuthenticationError, Conflict, ValidationFailed
from sessai.jobs import defer_on_commit
from sessai.secrets import new_token, token_digest

MFA_LOGIN_SALT = "sessai.mfa.login"
MFA_SETUP_SALT = "sessai.mfa.setup"


# --- Tokens and device sessions -------------------------------------------------------------


def _client_meta(request) -> dict:
    if request is None:
        return {}
    return {
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:400],
        "ip_address": request.META.get("REMOTE_ADDR") or None,
    }


def _token_pair(session: DeviceSession) -> dict:
    refresh = RefreshToken.for_user(session.user)
    refresh["sid"] = str(session.id)
    refresh.set_exp(claim="exp", from_time=refresh.current_time, lifetime=_refresh_lifetime(session.remember_me))
    access = refresh.access_token
    session.refresh_jti = refresh["jti"]
    session.expires_at = timezone.now() + _refresh_lifetime(session.remember_me)
    return {
        "access_token": str(access),
        "refresh_token": str(refresh),
        "expires_at": int(access["exp"]) * 1000,
    }


def _refresh_lifetime(remember_me: bool) -> timedelta:
    return settings.REFRESH_TOKEN_REMEMBER_LIFETIME if remember_me else settings.REFRESH_TOKEN_LIFETIME


def session_start(*, user: User, remember_me: bool = False, request=None) -> dict:
    """Open a device session for a user who just proved who they are; return the token pair."""
    session = DeviceSession(user=user, remember_me=remember_me, **_client_meta(request))
    tokens = _token_pair(session)
    session.save()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return tokens


def session_refresh(*, refresh_token: str, request=None) -> dict:
    """Rotate a refresh token. Reusing an already-rotated token revokes the whole device session."""
    try:
        token = RefreshToken(refresh_token)
    except TokenError as exc:
        code = "token_expired" if "expired" in str(exc) else "not_authenticated"
        raise AuthenticationError(msg.REFRESH_INVALID, code=code) from exc
    with transaction.atomic():  # the revocation must commit even though the request fails
        session = (
            DeviceSession.objects.select_for_update()
            .select_related("user")
            .filter(id=token.get("sid"), user_id=token.get("user_id"))
            .first()
        )
        if session is None or not session.is_live:
            failure = AuthenticationError(msg.REFRESH_INVALID)
        elif session.refresh_jti != token["jti"]:
            _revoke(session, reason="refresh_reuse")
            failure = AuthenticationError(msg.REFRESH_INVALID)
        elif not _active_member(session.user):
            _revoke(session, reason="inactive")
            failure = AuthenticationError(msg.ACCOUNT_INACTIVE, code="account_inactive")
        else:
            failure = None
            tokens = _token_pair(session)
            session.last_active_at = timezone.now()
            session.ip_address = _client_meta(request).get("ip_address", session.ip_address)
            session.save()
    if failure:
        raise failure
    return tokens


def _revoke(session: DeviceSession, *, reason: str) -> None:
    session.revoked_at = timezone.now()
    session.revoked_reason = reason
    session.save(update_fields=["revoked_at", "revoked_reason"])


def session_logout(*, user: User, session_id=None, refresh_token: str | None = None) -> None:
    """End the caller's device session (the one of the access token, or of the refresh token sent)."""
    ids = {str(session_id)} if session_id else set()
    if refresh_token:
        try:
            ids.add(str(RefreshToken(refresh_token).get("sid")))
        except TokenError:
            pass
    DeviceSession.objects.filter(user=user, id__in=ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason="logout"
    )


def session_revoke(*, user: User, session_id) -> bool:
    """Revoke one of the user's own device sessions; False when it is not theirs or already ended."""
    return bool(
        DeviceSession.objects.filter(user=user, id=session_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason="revoked"
        )
    )


def sessions_revoke_all(*, user: User, reason: str, except_id=None) -> None:
    qs = DeviceSession.objects.filter(user=user, revoked_at__isnull=True)
    if except_id:
        qs = qs.exclude(id=except_id)
    qs.update(revoked_at=timezone.now(), revoked_reason=reason)


# --- Login ----------------------------------------------------------------------------------


@dataclass
class LoginResult:
    user: User
    tokens: dict | None = None
    mfa_token: str | None = None


def _active_member(user: User) -> bool:
    return user.is_active and Membership.objects.active().filter(user=user, practice__is_active=True).exists()


def _refuse_inactive(user: User):
    """Why a user with the right password cannot come in: the practice is suspended (its members
    are told so), or the account or membership is deactivated."""
    if (
        user.is_active
        and Membership.objects.active().filter(user=user, practice__is_active=False).exists()
        and not Membership.objects.active().filter(user=user, practice__is_active=True).exists()
    ):
        return AuthenticationError(msg.PRACTICE_SUSPENDED, code="practice_suspended")
    return AuthenticationError(msg.ACCOUNT_INACTIVE, code="account_inactive")


def user_login(*, email: str, password: str, remember_me: bool = False, request=None) -> LoginResult:
    """Check credentials; users with TOTP get a short-lived MFA challenge instead of tokens."""
    user = authenticate_limited(request, email=normalize_email(email), password=password)
    if user is None:
        raise AuthenticationError(msg.INVALID_CREDENTIALS, code="invalid_credentials")
    if not _active_member(user):
        raise _refuse_inactive(user)
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        token = signing.dumps(
            {"uid": str(user.pk), "rm": bool(remember_me), "n": new_token()[:16]}, salt=MFA_LOGIN_SALT
        )
        return LoginResult(user=user, mfa_token=token)
    return LoginResult(user=user, tokens=session_start(user=user, remember_me=remember_me, request=request))


def user_login_mfa(*, mfa_token: str, code: str, request=None) -> LoginResult:
    """Second step of a login: a TOTP code or an unused recovery code. A challenge opens one
    session: it is spent by its first success, and burnt after MFA_MAX_ATTEMPTS wrong codes."""
    invalid = AuthenticationError(msg.MFA_TOKEN_INVALID, code="mfa_token_invalid")
    try:
        data = signing.loads(mfa_token, salt=MFA_LOGIN_SALT, max_age=settings.MFA_TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise invalid from exc
    spent, tries = f"mfa:spent:{data.get('n')}", f"mfa:tries:{data.get('n')}"
    if not data.get("n") or cache.get(spent):
        raise invalid
    user = User.objects.filter(pk=data["uid"], is_active=True).first()
    if user is None or not _active_member(user):
        raise AuthenticationError(msg.ACCOUNT_INACTIVE, code="account_inactive")
    if not mfa_code_valid(user=user, code=code):
        cache.add(tries, 0, settings.MFA_TOKEN_MAX_AGE)
        if cache.incr(tries) >= settings.MFA_MAX_ATTEMPTS:
            cache.set(spent, True, settings.MFA_TOKEN_MAX_AGE)
        raise AuthenticationError(msg.MFA_INVALID_CODE, code="mfa_invalid_code")
    if not cache.add(spent, True, settings.MFA_TOKEN_MAX_AGE):  # a concurrent success got there first
        raise invalid
    return LoginResult(user=user, tokens=session_start(user=user, remember_me=data.get("rm", False), request=request))


def mfa_code_valid(*, user: User, code: str) -> bool:
    code = (code or "").strip().replace(" ", "")
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        return False
    if TOTP(totp).validate_code(code):
        return True
    recovery = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
    return bool(recovery and RecoveryCodes(recovery).validate_code(code))


# --- Registration and verification ----------------------------------------------------------


def _split_name(name: str) -> tuple[str, str]:
    parts = name.strip().split(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (name.strip(), "")


def _user_create(*, email: str, name: str, password: str | None, **profile_fields) -> User:
    email = normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationFailed(msg.EMAIL_TAKEN, code="email_taken", errors={"email": [str(msg.EMAIL_TAKEN)]})
    user = User.objects.create_user(email=email, password=password, name=name.strip())
    first, last = _split_name(name)
    Profile.objects.create(user=user, first_name=first, last_name=last, **profile_fields)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


@transaction.atomic
def user_register(
    *, name: str, email: str, password: str, license_number: str = "", specialties=(), request=None
) -> tuple[User, dict]:
    """Self-registration: a new practice whose admin is the registrant, whatever role they picked."""
    user = _user_create(
        email=email,
        name=name,
        password=password,
        license_number=license_number or "",
        specialties=list(specialties or []),
    )
    practice = Practice.objects.create(name=name.strip(), timezone=settings.DEFAULT_PRACTICE_TIMEZONE)
    Membership.objects.create(user=user, practice=practice, role=Role.ADMIN, color=settings.MEMBER_COLOR_PALETTE[0])
    with scope.in_practice(practice.pk):  # its first rows (plan, credits), in the new practice's scope
        practice_created.send(sender=Practice, practice=practice, created_by=user)
    tokens = session_start(user=user, request=request)
    transaction.on_commit(lambda: email_verification_send(user=user))
    return user, tokens


def email_verification_send(*, user: User) -> None:
    address = EmailAddress.objects.filter(user=user, email=user.email, verified=False).first()
    if address is None:
        return
    key = EmailConfirmationHMAC(address).key
    link = f"{settings.FRONTEND_URL}/auth/verify-email?token={key}&email={user.email}"
    emails.send(template="verify_email", to=user.email, language=_language(user), context={"user": user, "link": link})


def email_verify(*, token: str) -> User:
    """Confirm an email from the link's token; an old token is `token_expired`, a forged one invalid."""
    confirmation = EmailConfirmationHMAC.from_key(token)
    if confirmation is None:
        try:
            pk = signing.loads(token, salt=allauth_settings.SALT)
        except signing.BadSignature as exc:
            raise ValidationFailed(
                msg.VERIFY_INVALID, code="token_invalid", errors={"token": [str(msg.VERIFY_INVALID)]}
            ) from exc
        address = EmailAddress.objects.filter(pk=pk).select_related("user").first()
        if address is not None and address.verified:
            return address.user  # already verified: the link was used before; nothing to do
        raise ValidationFailed(msg.VERIFY_EXPIRED, code="token_expired", errors={"token": [str(msg.VERIFY_EXPIRED)]})
    address = confirmation.email_address
    address.verified = True
    address.save(update_fields=["verified"])
    return address.user


def email_verification_resend(*, email: str) -> None:
    """Queue the lookup and the link: the request does the same work whether or not the address
    exists (no enumeration, by answer or by time)."""
    defer_on_commit("accounts.tasks.verification_resend_email", email=normalize_email(email))


def email_verification_resend_now(*, email: str) -> None:
    """The job: resend the link when the address exists and is unverified; nothing otherwise."""
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is not None:
        email_verification_send(user=user)


def is_email_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()


# --- Passwords ------------------------------------------------------------------------------


def _language(user: User) -> str:
    profile = getattr(user, "profile", None)
    return profile.language if profile else settings.LANGUAGE_CODE


def account_page_base(name: str) -> str:
    """Where an account email links: this host's page (ACCOUNT_LINKS=api, the default, while the UI
    has no such page) or the UI's /auth/<name>."""
    if settings.ACCOUNT_LINKS == "ui":
        return f"{settings.FRONTEND_URL}/auth/{name}"
    return f"{settings.PUBLIC_BASE_URL}{reverse(f'portal:{name}')}"


def password_reset_request(*, email: str) -> None:
    """Queue the reset email. The request does the same work whether or not the account exists,
    so neither its answer nor its time says which."""
    defer_on_commit("accounts.tasks.password_reset_email", email=normalize_email(email))


def password_reset_email(*, email: str) -> None:
    """The job: email a 24 h single-use reset link if the account exists; nothing otherwise."""
    user = User.objects.filter(email=normalize_email(email), is_active=True).select_related("profile").first()
    if user is None or not user.has_usable_password():
        return
    token = f"{user.pk.hex}.{default_token_generator.make_token(user)}"
    link = f"{account_page_base('reset-password')}?token={token}"
    emails.send(
        template="password_reset", to=user.email, language=_language(user), context={"user": user, "link": link}
    )


def password_validate(user: User, password: str, confirm: str) -> None:
    """400 unless `confirm` matches and `password` passes every configured validator, including
    similarity to the user's email and name (an unsaved User works for a registration)."""
    if password != confirm:
        raise ValidationFailed(msg.PASSWORDS_DIFFER, errors={"confirmPassword": [str(msg.PASSWORDS_DIFFER)]})
    try:
        password_validation.validate_password(password, user)
    except Exception as exc:  # django ValidationError with several messages
        messages = list(getattr(exc, "messages", [str(exc)]))
        raise ValidationFailed(messages[0], errors={"password": messages}) from exc


@transaction.atomic
def password_reset_user(token: str) -> User:
    """The user a reset token is for, while it is still good (unused: it dies with the old
    password hash; unexpired); else ValidationFailed `token_invalid`."""
    uid, _, key = (token or "").partition(".")
    user = None
    try:
        user = User.objects.filter(pk=uid, is_active=True).first()
    except Exception:  # malformed uuid
        user = None
    if user is None or not default_token_generator.check_token(user, key):
        raise ValidationFailed(
            msg.RESET_TOKEN_INVALID, code="token_invalid", errors={"token": [str(msg.RESET_TOKEN_INVALID)]}
        )
    return user


def password_reset_confirm(*, token: str, password: str, confirm: str) -> User:
    """Set a new password from a reset token; the token dies with the old password hash."""
    user = password_reset_user(token)
    password_validate(user, password, confirm)
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user, email=user.email).update(verified=True)  # they read the inbox
    sessions_revoke_all(user=user, reason="password_reset")
    return user


@transaction.atomic
def password_change(*, user: User, current: str, password: str, confirm: str, keep_session_id=None) -> None:
    """Change the password; every other device session is signed out."""
    if not user.check_password(current):
        raise ValidationFailed(
            msg.CURRENT_PASSWORD_WRONG, errors={"currentPassword": [str(msg.CURRENT_PASSWORD_WRONG)]}
        )
    password_validate(user, password, confirm)
    user.set_password(password)
    user.save(update_fields=["password"])
    sessions_revoke_all(user=user, reason="password_change", except_id=keep_session_id)


# --- MFA (TOTP with recovery codes, stored by django-allauth's MFA) -------------------------


def mfa_totp_begin(*, user: User) -> dict:
    """A new secret for the authenticator app, carried to the confirm step in a signed token."""
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        raise Conflict(msg.MFA_ALREADY_ENABLED, code="mfa_already_enabled")
    secret = generate_totp_secret()
    return {
        "secret": secret,
        "otpauth_url": get_adapter().build_totp_url(user, secret),
        "setup_token": signing.dumps({"uid": str(user.pk), "s": secret}, salt=MFA_SETUP_SALT),
    }


@transaction.atomic
def mfa_totp_confirm(*, user: User, setup_token: str, code: str) -> list[str]:
    """Activate TOTP once the app shows a valid code; returns fresh recovery codes."""
    try:
        data = signing.loads(setup_token, salt=MFA_SETUP_SALT, max_age=600)
    except signing.BadSignature as exc:
        raise ValidationFailed(msg.MFA_TOKEN_INVALID, errors={"setupToken": [str(msg.MFA_TOKEN_INVALID)]}) from exc
    if data.get("uid") != str(user.pk):
        raise ValidationFailed(msg.MFA_TOKEN_INVALID, errors={"setupToken": [str(msg.MFA_TOKEN_INVALID)]})
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        raise Conflict(msg.MFA_ALREADY_ENABLED, code="mfa_already_enabled")
    if not validate_totp_code(data["s"], (code or "").strip()):
        raise ValidationFailed(msg.MFA_INVALID_CODE, errors={"code": [str(msg.MFA_INVALID_CODE)]})
    TOTP.activate(user, data["s"])
    Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).delete()
    return RecoveryCodes.activate(user).get_unused_codes()


@transaction.atomic
def mfa_disable(*, user: User, password: str) -> None:
    if not user.check_password(password or ""):
        raise ValidationFailed(msg.CURRENT_PASSWORD_WRONG, errors={"password": [str(msg.CURRENT_PASSWORD_WRONG)]})
    deleted, _ = Authenticator.objects.filter(user=user).delete()
    if not deleted:
        raise Conflict(msg.MFA_NOT_ENABLED, code="mfa_not_enabled")


@transaction.atomic
def mfa_recovery_codes_regenerate(*, user: User, password: str) -> list[str]:
    if not user.check_password(password or ""):
        raise ValidationFailed(msg.CURRENT_PASSWORD_WRONG, errors={"password": [str(msg.CURRENT_PASSWORD_WRONG)]})
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        raise Conflict(msg.MFA_NOT_ENABLED, code="mfa_not_enabled")
    Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).delete()
    return RecoveryCodes.activate(user).get_unused_codes()


# --- Profile --------------------------------------------------------------------------------


@transaction.atomic
def profile_update(*, user: User, data: dict) -> User:
    """Apply a partial profile/preferences update (already validated by the serializer)."""
    profile = user.profile
    name = data.pop("name", None)
    preferences = data.pop("preferences", None) or {}
    notifications = preferences.pop("email_notifications", None) or {}
    for field, value in {**data, **preferences}.items():
        setattr(profile, field, value)
    for key, value in notifications.items():
        setattr(profile, f"notify_{key}", value)
    profile.full_clean(exclude=["user", "photo"])
    profile.save()
    if name and name != user.name:  # the display name ("Dr. Ana Silva") changes only when sent
        user.name = name
        user.save(update_fields=["name", "updated_at"])
    return user


def profile_photo_set(*, user: User, photo) -> User:
    profile = user.profile
    old = profile.photo.name if profile.photo else None
    profile.photo = photo
    profile.save(update_fields=["photo", "updated_at"])
    if old:
        profile.photo.storage.delete(old)
    return user


# --- Team -----------------------------------------------------------------------------------


def _invitation_create(*, membership: Membership, invited_by: User) -> str:
    membership.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = new_token()
    Invitation.objects.create(
        membership=membership,
        token_hash=token_digest(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    return token


def _invitation_email(*, membership: Membership, token: str, invited_by: User) -> None:
    user = membership.user
    link = f"{account_page_base('accept-invitation')}?token={token}"
    emails.send(
        template="invitation",
        to=user.email,
        practice=membership.practice,
        language=_language(invited_by),
        context={
            "user": user,
            "practice": membership.practice,
            "invited_by": invited_by,
            "link": link,
            "days": settings.INVITATION_MAX_AGE_DAYS,
        },
    )


@transaction.atomic
def member_invite(
    *,
    practice: Practice,
    invited_by: User,
    name: str,
    email: str,
    role: str,
    title: str = "",
    specialties=(),
    color: str = "",
) -> Membership:
    """Create the account (no password yet) and its membership, and email a link to join."""
    user = _user_create(email=email, name=name, password=None, specialties=list(specialties or []))
    membership = Membership.objects.create(
        user=user,
        practice=practice,
        role=role,
        title=title or "",
        color=color or default_member_color(practice),
        invited_by=invited_by,
    )
    token = _invitation_create(membership=membership, invited_by=invited_by)
    transaction.on_commit(lambda: _invitation_email(membership=membership, token=token, invited_by=invited_by))
    return membership


@transaction.atomic
def member_invitation_resend(*, membership: Membership, invited_by: User) -> None:
    """A fresh link (the previous ones stop working) for someone who has not joined yet."""
    if membership.user.has_usable_password():
        raise Conflict(msg.INVITATION_INVALID, code="already_joined")
    token = _invitation_create(membership=membership, invited_by=invited_by)
    transaction.on_commit(lambda: _invitation_email(membership=membership, token=token, invited_by=invited_by))


def invitation_named(token: str | None) -> Invitation | None:
    """The invitation a link's token names (its hash is what is stored)."""
    return Invitation.objects.filter(token_hash=token_digest(token[:200])).first() if token else None


@transaction.atomic
def invitation_accept(*, token: str, password: str, confirm: str, request=None) -> tuple[User, dict]:
    """Set the invitee's password, mark the email verified (the link reached the inbox), log in."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("membership__user", "membership__practice")
        .filter(token_hash=token_digest(token))
        .first()
    )
    if invitation is None or not invitation.is_pending or not invitation.membership.is_active:
        raise ValidationFailed(
            msg.INVITATION_INVALID, code="token_invalid", errors={"token": [str(msg.INVITATION_INVALID)]}
        )
    user = invitation.membership.user
    password_validate(user, password, confirm)
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    EmailAddress.objects.filter(user=user, email=user.email).update(verified=True)
    return user, session_start(user=user, request=request)


def _ensure_other_admin(membership: Membership) -> None:
    others = (
        Membership.objects.active()
        .filter(practice_id=membership.practice_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
    )
    if not others.select_for_update().exists():
        raise Conflict(msg.LAST_ADMIN, code="last_admin")


@transaction.atomic
def member_update(*, membership: Membership, data: dict, actor: User) -> Membership:
    """Change role, title, color, active flag or name. The last active admin stays an active admin,
    and nobody deactivates themselves."""
    if membership.user_id == actor.pk and data.get("is_active") is False:
        raise Conflict(msg.SELF_DEACTIVATE, code="self_deactivate")
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    losing_admin = (
        membership.role == Role.ADMIN
        and membership.is_active
        and (data.get("role", Role.ADMIN) != Role.ADMIN or data.get("is_active", True) is False)
    )
    if losing_admin:
        _ensure_other_admin(membership)
    for field in ("role", "title", "color", "is_active"):
        if field in data:
            setattr(membership, field, data[field])
    membership.save()
    if "name" in data and data["name"].strip():
        membership.user.name = data["name"].strip()
        membership.user.save(update_fields=["name", "updated_at"])
    if "specialties" in data:
        Profile.objects.filter(user=membership.user).update(specialties=data["specialties"])
    if membership.is_active is False:
        sessions_revoke_all(user=membership.user, reason="deactivated")
    return membership


def member_deactivate(*, membership: Membership, actor: User) -> Membership:
    return member_update(membership=membership, data={"is_active": False}, actor=actor)


# --- The practice's own settings (its patients' pages, the console) -----------------------------

PUBLIC_PROFILE_FIELDS = ("slug", "brand_color", "phone")


def practice_public_profile_set(*, practice: Practice, **fields) -> Practice:
    """The practice's public address and contact on its patients' pages: `slug`, `brand_color`,
    `phone` (validated by the caller's form or serializer)."""
    unknown = set(fields) - set(PUBLIC_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not public profile fields: {sorted(unknown)}")
    if fields:
        for field, value in fields.items():
            setattr(practice, field, value)
        practice.save(update_fields=[*fields, "updated_at"])
    return practice


def practice_logo_set(*, practice: Practice, upload) -> Practice:
    """The logo patients see on the practice's pages (the caller checked it is an image)."""
    practice.logo.save(upload.name, upload, save=False)
    practice.save(update_fields=["logo", "updated_at"])
    return practice


def practice_set_active(*, practice: Practice, active: bool) -> bool:
    """Suspend or reactivate a practice (its members cannot sign in while suspended; nothing is
    deleted). False when it already was so. One audit entry, the operator as actor."""
    if practice.is_active == active:
        return False
    practice.is_active = active
    practice.save(update_fields=["is_active", "updated_at"])
    return True


@transaction.atomic
def practice_save(*, practice: Practice, created_by) -> Practice:
    """A practice created or edited by an operator in the console; a new one starts like one that
    registered (trial plan, credit account, credits: the `practice_created` receivers)."""
    created = practice._state.adding
    practice.save()
    if created:
        with scope.in_practice(practice.pk):
            practice_created.send(sender=Practice, practice=practice, created_by=created_by)
    return practice
