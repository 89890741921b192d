import io
import re
import time
import zlib
from datetime import timedelta
from unittest import mock

import jwt
import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.utils import timezone

from accounts.choices import Role
from accounts.models import DeviceSession, Membership, Practice, User
from accounts.tests.factories import PASSWORD, MembershipFactory, login_tokens
from scheduling.models import CalendarSettings

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"
REGISTER = "/api/auth/register"
REFRESH = "/api/auth/refresh"
PROFILE = "/api/auth/profile"

REGISTRATION = {
    "name": "Valentina Soto",
    "email": "Valentina.Soto@Clinica.cl",
    "password": "Segura123",
    "confirmPassword": "Segura123",
    "role": "therapist",
    "specialties": ["Terapia Familiar"],
    "licenseNumber": "PSI-12345",
    "acceptTerms": True,
}


def link_token(message, path: str) -> str:
    match = re.search(rf"{re.escape(path)}\?token=([^&\s\"]+)", message.body)
    assert match, message.body
    return match.group(1)


# --- Login ----------------------------------------------------------------------------------


def test_login_returns_user_and_tokens(api, therapist_member):
    user = therapist_member.user
    before = int(time.time() * 1000)
    response = api.post(LOGIN, {"email": f"  {user.email.upper()} ", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["message"] == "Login exitoso"
    assert body["user"]["id"] == str(user.id)
    assert body["user"]["role"] == "therapist"
    assert body["user"]["practice"] == {"id": str(therapist_member.practice_id), "name": therapist_member.practice.name}
    assert set(body["user"]["preferences"]["emailNotifications"]) == {
        "appointments",
        "reminders",
        "reports",
        "marketing",
    }
    assert body["user"]["profile"]["userId"] == str(user.id)
    # expiresAt: the access token's expiry in epoch milliseconds, 15 minutes by default
    assert before + 14 * 60_000 <= body["tokens"]["expiresAt"] <= before + 16 * 60_000
    me = api.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {body['tokens']['accessToken']}")
    assert me.status_code == 200 and me.json()["email"] == user.email


def test_wrong_password_is_401_with_spanish_message(api, therapist_member):
    response = api.post(LOGIN, {"email": therapist_member.user.email, "password": "nope12345"}, format="json")
    assert response.status_code == 401
    assert response.json()["message"] == "Credenciales inválidas"


def test_unknown_email_gets_the_same_answer(api):
    response = api.post(LOGIN, {"email": "nadie@clinica.cl", "password": "nope12345"}, format="json")
    assert response.status_code == 401
    assert response.json()["message"] == "Credenciales inválidas"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "email"),
        ({"email": "no-es-email", "password": "x"}, "email"),
        ({"email": "a@b.cl"}, "password"),
        ({"email": ["a@b.cl"], "password": "x"}, "email"),
        ({"email": "a@b.cl", "password": "x" * 500}, "password"),
    ],
)
def test_login_bad_input_is_400_with_field_errors(api, payload, field):
    response = api.post(LOGIN, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"] and body["message"]


def test_deactivated_user_and_membership_cannot_log_in(api, therapist_member, assistant_member):
    User.objects.filter(pk=therapist_member.user_id).update(is_active=False)
    Membership.objects.filter(pk=assistant_member.pk).update(is_active=False)
    for member in (therapist_member, assistant_member):
        response = api.post(LOGIN, {"email": member.user.email, "password": PASSWORD}, format="json")
        assert response.status_code == 401


def test_remember_me_extends_the_refresh_token(api, therapist_member):
    short = api.post(LOGIN, {"email": therapist_member.user.email, "password": PASSWORD}, format="json").json()
    long = api.post(
        LOGIN, {"email": therapist_member.user.email, "password": PASSWORD, "rememberMe": True}, format="json"
    ).json()
    exp = lambda t: jwt.decode(t["tokens"]["refreshToken"], options={"verify_signature": False})["exp"]  # noqa: E731
    assert 6.9 * 86400 < exp(short) - time.time() < 7.1 * 86400
    assert 29.9 * 86400 < exp(long) - time.time() < 30.1 * 86400


# --- Registration ---------------------------------------------------------------------------


def test_register_creates_practice_with_registrant_as_admin(api, django_capture_on_commit_callbacks, run_jobs):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(REGISTER, REGISTRATION, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["message"] == "Registro exitoso. Por favor verifica tu email."
    assert body["user"]["role"] == "admin"  # whatever the form sent
    assert body["user"]["email"] == "valentina.soto@clinica.cl"
    assert body["user"]["isEmailVerified"] is False
    assert body["user"]["profile"]["firstName"] == "Valentina"
    assert body["user"]["profile"]["lastName"] == "Soto"
    assert body["user"]["profile"]["licenseNumber"] == "PSI-12345"
    assert body["tokens"]["accessToken"]
    membership = Membership.objects.get(user__email="valentina.soto@clinica.cl")
    assert membership.role == Role.ADMIN and membership.practice.timezone == "America/Santiago"
    assert CalendarSettings.objects.filter(
        practice=membership.practice
    ).exists()  # the same start as a console-made practice
    run_jobs()
    assert len(mail.outbox) == 1 and "/auth/verify-email?token=" in mail.outbox[0].body


def test_register_duplicate_email_is_400(api, therapist_member):
    payload = {**REGISTRATION, "email": therapist_member.user.email.upper()}
    response = api.post(REGISTER, payload, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "Este email ya está registrado"
    assert Practice.objects.count() == 1  # nothing half-saved


@pytest.mark.parametrize(
    "changes, field, text",
    [
        ({"password": "abc", "confirmPassword": "abc"}, "password", "al menos 8"),
        ({"password": "sinmayuscula1", "confirmPassword": "sinmayuscula1"}, "password", "mayúscula"),
        ({"password": "SinNumeroAqui", "confirmPassword": "SinNumeroAqui"}, "password", "número"),
        ({"confirmPassword": "Otra12345"}, "confirmPassword", "no coinciden"),
        ({"password": "ValentinaSoto1", "confirmPassword": "ValentinaSoto1"}, "password", "similar"),  # to the email
        ({"acceptTerms": False}, "acceptTerms", "términos"),
        ({"name": "A"}, "name", "al menos 2"),
        ({"role": "superuser"}, "role", "Selecciona un rol"),
        ({"email": "mal"}, "email", "Formato de email inválido"),
    ],
)
def test_register_bad_input(api, changes, field, text):
    response = api.post(REGISTER, {**REGISTRATION, **changes}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(text in m for m in errors[field]), errors
    assert not User.objects.exists() and not Practice.objects.exists()


# --- Refresh, rotation, revocation -----------------------------------------------------------


def test_refresh_rotates_and_revokes_the_used_token(api, therapist_member):
    tokens = login_tokens(therapist_member.user)
    response = api.post(REFRESH, {"refreshToken": tokens["refresh_token"]}, format="json")
    assert response.status_code == 200
    fresh = response.json()
    assert set(fresh) == {"accessToken", "refreshToken", "expiresAt"}  # bare tokens
    assert fresh["refreshToken"] != tokens["refresh_token"]
    # The new pair works.
    assert api.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {fresh['accessToken']}").status_code == 200
    # Reusing the old refresh token is refused and ends the whole device session (theft).
    reuse = api.post(REFRESH, {"refreshToken": tokens["refresh_token"]}, format="json")
    assert reuse.status_code == 401
    assert api.post(REFRESH, {"refreshToken": fresh["refreshToken"]}, format="json").status_code == 401
    assert api.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {fresh['accessToken']}").status_code == 401


def test_refresh_refused_for_deactivated_membership(api, therapist_member):
    tokens = login_tokens(therapist_member.user)
    Membership.objects.filter(pk=therapist_member.pk).update(is_active=False)
    assert api.post(REFRESH, {"refreshToken": tokens["refresh_token"]}, format="json").status_code == 401
    assert api.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 401


def test_refresh_with_garbage_or_access_token_is_401(api, therapist_member):
    tokens = login_tokens(therapist_member.user)
    assert api.post(REFRESH, {"refreshToken": "garbage"}, format="json").status_code == 401
    assert api.post(REFRESH, {"refreshToken": tokens["access_token"]}, format="json").status_code == 401
    assert api.post(REFRESH, {}, format="json").status_code == 400


def test_logout_revokes_refresh_and_access(api, therapist_member):
    tokens = login_tokens(therapist_member.user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    response = api.post("/api/auth/logout", {"refreshToken": tokens["refresh_token"]}, format="json", **auth)
    assert response.status_code == 200 and response.json()["message"]
    assert api.post(REFRESH, {"refreshToken": tokens["refresh_token"]}, format="json").status_code == 401
    assert api.get(PROFILE, **auth).status_code == 401


def test_logout_without_token_is_401(api):
    response = api.post("/api/auth/logout", {}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def _forge(claims: dict, key: str, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def test_tokens_signed_with_another_key_expired_or_alg_none_are_refused(api, therapist_member, settings):
    tokens = login_tokens(therapist_member.user)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    forged = _forge(claims, "another-key-that-is-long-enough-for-hs256")
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    expired = _forge({**claims, "exp": int(time.time()) - 10}, settings.SIMPLE_JWT["SIGNING_KEY"])
    for token in (forged, unsigned, expired):
        response = api.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401
    assert api.get(PROFILE, HTTP_AUTHORIZATION=f"Bearer {expired}").json()["code"] == "token_expired"


# --- Passwords ------------------------------------------------------------------------------


def test_forgot_and_reset_password_flow(api, therapist_member, run_jobs):
    user = therapist_member.user
    session = login_tokens(user)
    response = api.post("/api/auth/forgot-password", {"email": user.email.upper()}, format="json")
    assert response.status_code == 200
    assert response.json()["message"] == "Se ha enviado un enlace de recuperación a tu email"
    run_jobs()
    token = link_token(mail.outbox[-1], "http://localhost:3001/cuenta/restablecer-contrasena")
    payload = {"token": token, "password": "NuevaClave9", "confirmPassword": "NuevaClave9"}
    reset = api.post("/api/auth/reset-password", payload, format="json")
    assert reset.status_code == 200 and reset.json()["message"] == "Contraseña actualizada exitosamente"
    # Single use; the old sessions are signed out; the new password works.
    assert api.post("/api/auth/reset-password", payload, format="json").status_code == 400
    assert api.post(REFRESH, {"refreshToken": session["refresh_token"]}, format="json").status_code == 401
    assert api.post(LOGIN, {"email": user.email, "password": "NuevaClave9"}, format="json").status_code == 200


def test_forgot_password_does_not_reveal_accounts(api, run_jobs):
    response = api.post("/api/auth/forgot-password", {"email": "nadie@clinica.cl"}, format="json")
    assert response.status_code == 200
    assert response.json()["message"] == "Se ha enviado un enlace de recuperación a tu email"
    run_jobs()
    assert mail.outbox == []


def test_reset_link_expires_after_24_hours(api, therapist_member, run_jobs):
    api.post("/api/auth/forgot-password", {"email": therapist_member.user.email}, format="json")
    run_jobs()
    token = link_token(mail.outbox[-1], "http://localhost:3001/cuenta/restablecer-contrasena")
    later = default_token_generator._now() + timedelta(hours=24, minutes=1)
    with mock.patch.object(default_token_generator, "_now", return_value=later):
        response = api.post(
            "/api/auth/reset-password",
            {"token": token, "password": "NuevaClave9", "confirmPassword": "NuevaClave9"},
            format="json",
        )
    assert response.status_code == 400 and response.json()["errors"]["token"]


def test_reset_password_rejects_weak_password_and_garbage_token(api, therapist_member, run_jobs):
    api.post("/api/auth/forgot-password", {"email": therapist_member.user.email}, format="json")
    run_jobs()
    token = link_token(mail.outbox[-1], "http://localhost:3001/cuenta/restablecer-contrasena")
    weak = api.post(
        "/api/auth/reset-password", {"token": token, "password": "abc", "confirmPassword": "abc"}, format="json"
    )
    assert weak.status_code == 400 and "password" in weak.json()["errors"]
    garbage = api.post(
        "/api/auth/reset-password",
        {"token": "x.y", "password": "NuevaClave9", "confirmPassword": "NuevaClave9"},
        format="json",
    )
    assert garbage.status_code == 400


def test_change_password_keeps_this_device_and_signs_out_others(as_therapist, api):
    other = login_tokens(as_therapist.user)
    response = as_therapist.post(
        "/api/auth/change-password",
        {"currentPassword": PASSWORD, "password": "OtraClave77", "confirmPassword": "OtraClave77"},
        format="json",
    )
    assert response.status_code == 200
    assert as_therapist.get(PROFILE).status_code == 200
    assert api.post(REFRESH, {"refreshToken": other["refresh_token"]}, format="json").status_code == 401


def test_change_password_wrong_current_is_400(as_therapist):
    response = as_therapist.post(
        "/api/auth/change-password",
        {"currentPassword": "incorrecta", "password": "OtraClave77", "confirmPassword": "OtraClave77"},
        format="json",
    )
    assert response.status_code == 400 and "currentPassword" in response.json()["errors"]


def test_change_password_requires_token(api):
    assert api.post("/api/auth/change-password", {}, format="json").status_code == 401


# --- Email verification ---------------------------------------------------------------------


def _registered_token(api, run_jobs) -> str:
    api.post(REGISTER, REGISTRATION, format="json")
    run_jobs()
    return link_token(mail.outbox[-1], "http://localhost:3000/auth/verify-email")


def test_verify_email(api, run_jobs):
    token = _registered_token(api, run_jobs)
    response = api.post("/api/auth/verify-email", {"token": token}, format="json")
    assert response.status_code == 200 and response.json()["message"] == "Email verificado exitosamente"
    assert EmailAddress.objects.get(email="valentina.soto@clinica.cl").verified


def test_expired_verification_token(api, run_jobs):
    token = _registered_token(api, run_jobs)
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 25 * 3600):
        response = api.post("/api/auth/verify-email", {"token": token}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "token_expired"
    assert "expirado" in response.json()["message"]


def test_invalid_verification_token(api):
    response = api.post("/api/auth/verify-email", {"token": "forjado"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "token_invalid"


def test_resend_verification_always_200_and_sends_only_when_unverified(api, therapist_member, run_jobs):
    _registered_token(api, run_jobs)
    mail.outbox.clear()
    for email in ("valentina.soto@clinica.cl", "nadie@clinica.cl", therapist_member.user.email):
        assert api.post("/api/auth/resend-verification", {"email": email}, format="json").status_code == 200
    run_jobs()
    assert [m.to for m in mail.outbox] == [["valentina.soto@clinica.cl"]]


def test_emails_follow_the_user_language(api, therapist_member, run_jobs):
    therapist_member.user.profile.language = "en"
    therapist_member.user.profile.save()
    api.post("/api/auth/forgot-password", {"email": therapist_member.user.email}, format="json")
    run_jobs()
    assert "Reset your SessAI password" in mail.outbox[-1].subject
    _registered_token(api, run_jobs)
    assert "Verifica tu email" in mail.outbox[-1].subject


# --- Profile --------------------------------------------------------------------------------


def test_profile_get_put_patch_and_alias(as_therapist):
    assert as_therapist.get(PROFILE).json()["id"] == str(as_therapist.user.id)
    update = {
        "firstName": "Ana",
        "lastName": "Silva",
        "bio": "Terapeuta",
        "phoneNumber": "+56 9 8765 4321",
        "yearsOfExperience": 12,
        "specialties": ["TCC"],
        "credentials": ["Psicóloga Clínica"],
        "languages": ["Español", "Inglés"],
        "address": {
            "street": "Av. Providencia 123",
            "city": "Santiago",
            "region": "RM",
            "zipCode": "7500000",
            "country": "Chile",
        },
    }
    response = as_therapist.put("/api/profile", update, format="json")
    assert response.status_code == 200, response.json()
    profile = response.json()["profile"]
    assert profile["address"]["zipCode"] == "7500000" and profile["yearsOfExperience"] == 12
    assert response.json()["name"] == as_therapist.user.name  # first/last name never rewrite the display name
    renamed = as_therapist.put(
        "/api/profile", {"firstName": "Ana", "lastName": "Silva", "name": "Dra. Ana Silva"}, format="json"
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Dra. Ana Silva"
    assert as_therapist.put("/api/profile", {"firstName": "Ana"}, format="json").json()["name"] == "Dra. Ana Silva"
    prefs = {"preferences": {"theme": "dark", "timezone": "America/Bogota", "emailNotifications": {"marketing": True}}}
    response = as_therapist.patch(PROFILE, prefs, format="json")
    assert response.status_code == 200
    assert response.json()["preferences"]["theme"] == "dark"
    assert response.json()["preferences"]["timezone"] == "America/Bogota"
    assert response.json()["preferences"]["emailNotifications"] == {
        "appointments": True,
        "reminders": True,
        "reports": True,
        "marketing": True,
    }


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"bio": "x" * 501}, "bio"),
        ({"yearsOfExperience": 51}, "yearsOfExperience"),
        ({"yearsOfExperience": "muchos"}, "yearsOfExperience"),
        ({"firstName": ""}, "firstName"),
        ({"preferences": {"timezone": "Marte/Olympus"}}, "preferences.timezone"),
        ({"preferences": {"theme": "neon"}}, "preferences.theme"),
        ({"specialties": "TCC"}, "specialties"),
    ],
)
def test_profile_bad_input(as_therapist, payload, field):
    before = as_therapist.get(PROFILE).json()
    response = as_therapist.patch(PROFILE, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert as_therapist.get(PROFILE).json()["profile"] == before["profile"]


def test_bio_message_matches_the_ui(as_therapist):
    response = as_therapist.patch(PROFILE, {"bio": "x" * 501}, format="json")
    assert response.json()["message"] == "La biografía no puede exceder 500 caracteres"


def test_profile_requires_token(api):
    assert api.get(PROFILE).status_code == 401
    assert api.put("/api/profile", {}, format="json").status_code == 401


def test_profile_photo_upload(as_therapist):
    from PIL import Image  # noqa: PLC0415 (heavy, loaded on first use)

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "yo.png"
    response = as_therapist.post("/api/auth/profile/photo", {"photo": buffer}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["profile"]["photo"].endswith(".png")
    not_image = io.BytesIO(b"%PDF-1.4 not an image")
    not_image.name = "yo.png"
    bad = as_therapist.post("/api/auth/profile/photo", {"photo": not_image}, format="multipart")
    assert bad.status_code == 400 and "photo" in bad.json()["errors"]


# --- Device sessions ------------------------------------------------------------------------


def test_device_sessions_list_and_revoke(as_therapist, api):
    other = login_tokens(as_therapist.user)
    response = as_therapist.get("/api/auth/sessions")
    assert response.status_code == 200
    sessions = response.json()["data"]
    assert len(sessions) == 2 and sum(s["isCurrent"] for s in sessions) == 1
    target = next(s for s in sessions if not s["isCurrent"])
    assert as_therapist.delete(f"/api/auth/sessions/{target['id']}").status_code == 200
    assert api.post(REFRESH, {"refreshToken": other["refresh_token"]}, format="json").status_code == 401
    assert len(as_therapist.get("/api/auth/sessions").json()["data"]) == 1


def test_cannot_revoke_someone_elses_session(as_therapist, as_other_admin, admin_member):
    foreign = DeviceSession.objects.filter(user=as_other_admin.user).first()
    colleague = login_tokens(admin_member.user)
    colleague_session = DeviceSession.objects.get(
        refresh_jti=jwt.decode(colleague["refresh_token"], options={"verify_signature": False})["jti"]
    )
    assert as_therapist.delete(f"/api/auth/sessions/{foreign.id}").status_code == 404
    assert as_therapist.delete(f"/api/auth/sessions/{colleague_session.id}").status_code == 404
    assert as_therapist.delete("/api/auth/sessions/no-es-uuid").status_code == 404


def test_device_session_list_query_count_is_constant(as_therapist, django_assert_max_num_queries):
    for _ in range(15):
        login_tokens(as_therapist.user)
    with django_assert_max_num_queries(3):
        response = as_therapist.get("/api/auth/sessions?limit=100")
    assert len(response.json()["data"]) == 16


# --- MFA ------------------------------------------------------------------------------------


def _totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_mfa_setup_login_with_totp_and_recovery_code_then_disable(as_therapist, api):
    setup = as_therapist.post("/api/auth/mfa/totp/setup").json()
    assert setup["otpauthUrl"].startswith("otpauth://totp/")
    wrong = as_therapist.post(
        "/api/auth/mfa/totp/confirm", {"setupToken": setup["setupToken"], "code": "000000"}, format="json"
    )
    assert wrong.status_code == 400
    confirmed = as_therapist.post(
        "/api/auth/mfa/totp/confirm",
        {"setupToken": setup["setupToken"], "code": _totp_now(setup["secret"])},
        format="json",
    )
    assert confirmed.status_code == 200, confirmed.json()
    codes = confirmed.json()["recoveryCodes"]
    assert len(codes) == 10
    assert as_therapist.get(PROFILE).json()["preferences"]["twoFactorEnabled"] is True

    # Step one: the password alone gives a challenge, no tokens.
    step1 = api.post(LOGIN, {"email": as_therapist.user.email, "password": PASSWORD}, format="json").json()
    assert step1["mfaRequired"] is True and "tokens" not in step1
    bad = api.post("/api/auth/mfa/verify", {"mfaToken": step1["mfaToken"], "code": "123456"}, format="json")
    assert bad.status_code == 401
    # A recovery code works once.
    ok = api.post("/api/auth/mfa/verify", {"mfaToken": step1["mfaToken"], "code": codes[0]}, format="json")
    assert ok.status_code == 200 and ok.json()["tokens"]["accessToken"]
    again = api.post("/api/auth/mfa/verify", {"mfaToken": step1["mfaToken"], "code": codes[0]}, format="json")
    assert again.status_code == 401
    assert as_therapist.get("/api/auth/mfa").json() == {"totpEnabled": True, "recoveryCodesRemaining": 9}

    disabled = as_therapist.post("/api/auth/mfa/totp/disable", {"password": PASSWORD}, format="json")
    assert disabled.status_code == 200
    plain = api.post(LOGIN, {"email": as_therapist.user.email, "password": PASSWORD}, format="json").json()
    assert "tokens" in plain


def test_mfa_token_expires(as_therapist, api, settings):
    setup = as_therapist.post("/api/auth/mfa/totp/setup").json()
    as_therapist.post(
        "/api/auth/mfa/totp/confirm",
        {"setupToken": setup["setupToken"], "code": _totp_now(setup["secret"])},
        format="json",
    )
    step1 = api.post(LOGIN, {"email": as_therapist.user.email, "password": PASSWORD}, format="json").json()
    with mock.patch("django.core.signing.time.time", return_value=time.time() + settings.MFA_TOKEN_MAX_AGE + 5):
        response = api.post(
            "/api/auth/mfa/verify", {"mfaToken": step1["mfaToken"], "code": _totp_now(setup["secret"])}, format="json"
        )
    assert response.status_code == 401 and response.json()["code"] == "mfa_token_invalid"


def test_mfa_endpoints_require_token(api):
    assert api.post("/api/auth/mfa/totp/setup").status_code == 401
    assert api.get("/api/auth/mfa").status_code == 401


# --- Rate limits ----------------------------------------------------------------------------


def test_login_is_rate_limited_per_account_with_retry_after(api, therapist_member, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "login_account": "3/m"}
    for _ in range(3):
        api.post(LOGIN, {"email": therapist_member.user.email, "password": "mala12345"}, format="json")
    response = api.post(LOGIN, {"email": therapist_member.user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another account from the same IP is not blocked by the per-account limit.
    other = MembershipFactory(practice=therapist_member.practice)
    assert api.post(LOGIN, {"email": other.user.email, "password": PASSWORD}, format="json").status_code == 200


def test_login_is_rate_limited_per_ip(api, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "login_ip": "2/m"}
    for n in range(2):
        api.post(LOGIN, {"email": f"x{n}@clinica.cl", "password": "mala12345"}, format="json")
    assert api.post(LOGIN, {"email": "y@clinica.cl", "password": "mala12345"}, format="json").status_code == 429
    assert api.post(LOGIN, {"email": "y@clinica.cl"}, format="json", REMOTE_ADDR="10.9.9.9").status_code == 400


def test_password_reset_is_rate_limited(api, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "password_reset_account": "2/h"}
    for _ in range(2):
        assert api.post("/api/auth/forgot-password", {"email": "a@clinica.cl"}, format="json").status_code == 200
    response = api.post("/api/auth/forgot-password", {"email": "a@clinica.cl"}, format="json")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_passwords_never_reach_the_logs(api, therapist_member, caplog):
    caplog.set_level("DEBUG")
    api.post(LOGIN, {"email": therapist_member.user.email, "password": "SuperSecreta99"}, format="json")
    api.post(
        REGISTER, {**REGISTRATION, "password": "SuperSecreta99", "confirmPassword": "SuperSecreta99"}, format="json"
    )
    assert "SuperSecreta99" not in caplog.text


def test_last_login_is_recorded(api, therapist_member):
    api.post(LOGIN, {"email": therapist_member.user.email, "password": PASSWORD}, format="json")
    therapist_member.user.refresh_from_db()
    assert timezone.now() - therapist_member.user.last_login < timedelta(minutes=1)


def test_guesses_straddling_a_minute_window_meet_the_hour_limit(api, therapist_member, settings):
    """7 guesses across a window edge used to all be answered, and then the right password worked."""
    settings.RATELIMITS = {**settings.RATELIMITS, "login_account": "5/m", "login_account_hour": "6/h"}
    settings.LOGIN_FREE_TRIES = 100  # the hour's window alone (the lock-out is tested below)
    wrong = {"email": therapist_member.user.email, "password": "mala12345"}
    # django-ratelimit's windows end at a per-key offset; start just after this account's hour window began
    start = 1_800_000_000 - (1_800_000_000 % 3600) + zlib.crc32(therapist_member.user.email.encode()) % 3600 + 100
    with mock.patch("django_ratelimit.core.time.time", return_value=start):
        statuses = [api.post(LOGIN, wrong, format="json").status_code for _ in range(4)]
    with mock.patch("django_ratelimit.core.time.time", return_value=start + 61):  # another minute window, the same hour
        statuses += [api.post(LOGIN, wrong, format="json").status_code for _ in range(3)]
        right = api.post(LOGIN, {"email": therapist_member.user.email, "password": PASSWORD}, format="json")
    assert statuses == [401] * 6 + [429] and right.status_code == 429
    assert "login_account_hour" in right["RateLimit-Policy"]


def test_a_burst_of_wrong_passwords_gets_the_free_tries_and_no_more(api, therapist_member, settings):
    """The probe: 9 wrong passwords within seconds, then the right one. The minute's window let
    them through at its edge; the lock-out answers the 6th try on with 429, whatever the timing."""
    settings.RATELIMITS = {
        **settings.RATELIMITS,
        "login_ip": "1000/m",
        "login_account": "1000/m",
        "login_account_hour": "1000/h",
    }
    settings.LOGIN_BACKOFF_SECONDS = 2
    wrong = {"email": therapist_member.user.email, "password": "mala12345"}
    statuses = [api.post(LOGIN, wrong, format="json").status_code for _ in range(9)]
    right = api.post(LOGIN, {"email": therapist_member.user.email, "password": PASSWORD}, format="json")
    assert statuses == [401] * 5 + [429] * 4 and right.status_code == 429
    assert right.json()["code"] == "rate_limited" and 1 <= int(right["Retry-After"]) <= 2
    other = MembershipFactory(practice=therapist_member.practice)  # per account
    assert api.post(LOGIN, {"email": other.user.email, "password": PASSWORD}, format="json").status_code == 200

    time.sleep(3.1)  # the wait is over (the database cache counts whole seconds): one try, then a doubled wait
    after = api.post(LOGIN, wrong, format="json")
    assert after.status_code == 401, (after.json(), after.headers)
    again = api.post(LOGIN, {"email": therapist_member.user.email, "password": PASSWORD}, format="json")
    assert again.status_code == 429 and 3 <= int(again["Retry-After"]) <= 4
    time.sleep(5.1)
    assert (
        api.post(LOGIN, {"email": therapist_member.user.email, "password": PASSWORD}, format="json").status_code == 200
    )
    # a successful sign-in starts the count again
    assert [api.post(LOGIN, wrong, format="json").status_code for _ in range(6)] == [401] * 5 + [429]


def test_the_console_login_is_rate_limited_like_the_api(client, settings):
    User.objects.create_superuser(email="ops@sessai.com", password="OpsClave123", name="Ops")
    settings.RATELIMITS = {**settings.RATELIMITS, "login_account": "3/m"}
    for _ in range(3):
        assert client.post("/admin/login/", {"username": "ops@sessai.com", "password": "mala"}).status_code == 200
    blocked = client.post("/admin/login/", {"username": "ops@sessai.com", "password": "OpsClave123"})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) >= 1
    assert "Demasiadas solicitudes" in blocked.content.decode()
    other = client.post("/admin/login/", {"username": "otro@sessai.com", "password": "mala"})
    assert other.status_code == 200  # per account; the IP limit is the API's too


def test_an_mfa_challenge_opens_one_session_and_burns_after_wrong_codes(as_therapist, api):
    """The same mfaToken used to open a second session with a recovery code."""
    setup = as_therapist.post("/api/auth/mfa/totp/setup").json()
    codes = as_therapist.post(
        "/api/auth/mfa/totp/confirm",
        {"setupToken": setup["setupToken"], "code": _totp_now(setup["secret"])},
        format="json",
    ).json()["recoveryCodes"]

    def challenge():
        return api.post(LOGIN, {"email": as_therapist.user.email, "password": PASSWORD}, format="json").json()[
            "mfaToken"
        ]

    token = challenge()
    assert api.post("/api/auth/mfa/verify", {"mfaToken": token, "code": codes[0]}, format="json").status_code == 200
    second = api.post("/api/auth/mfa/verify", {"mfaToken": token, "code": codes[1]}, format="json")
    assert second.status_code == 401 and second.json()["code"] == "mfa_token_invalid"

    token = challenge()
    for _ in range(5):
        wrong = api.post("/api/auth/mfa/verify", {"mfaToken": token, "code": "000000"}, format="json")
        assert wrong.json()["code"] == "mfa_invalid_code"
    burnt = api.post("/api/auth/mfa/verify", {"mfaToken": token, "code": codes[2]}, format="json")
    assert burnt.status_code == 401 and burnt.json()["code"] == "mfa_token_invalid"
    assert (
        api.post("/api/auth/mfa/verify", {"mfaToken": challenge(), "code": codes[2]}, format="json").status_code == 200
    )


def test_the_console_sign_in_shares_the_accounts_lock_out(client, api, settings):
    User.objects.create_superuser(email="ops@sessai.com", password="OpsClave123", name="Ops")
    settings.RATELIMITS = {
        **settings.RATELIMITS,
        "login_ip": "1000/m",
        "login_account": "1000/m",
        "login_account_hour": "1000/h",
    }
    for _ in range(3):
        assert client.post("/admin/login/", {"username": "ops@sessai.com", "password": "mala"}).status_code == 200
    for _ in range(2):  # the same account through the API: one count
        assert api.post(LOGIN, {"email": "ops@sessai.com", "password": "mala"}, format="json").status_code == 401
    blocked = client.post("/admin/login/", {"username": "ops@sessai.com", "password": "OpsClave123"})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) >= 1
    assert "Demasiadas solicitudes" in blocked.content.decode() and 'name="password"' in blocked.content.decode()
