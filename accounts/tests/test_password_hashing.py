"""Argon2id is the first hasher; a PBKDF2 hash from before is upgraded on the next login."""

from django.contrib.auth.hashers import make_password

from sessai.settings.base import PASSWORD_HASHERS


def test_argon2id_with_owasp_parameters_and_upgrade_on_login(api, therapist_member, settings):
    settings.PASSWORD_HASHERS = PASSWORD_HASHERS  # the real list (tests hash with MD5 for speed)
    user = therapist_member.user
    user.password = make_password("ClaveSegura9", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert user.password.startswith("pbkdf2_sha256$")

    response = api.post("/api/auth/login", {"email": user.email, "password": "ClaveSegura9"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert (
        api.post("/api/auth/login", {"email": user.email, "password": "ClaveSegura9"}, format="json").status_code == 200
    )
    assert api.post("/api/auth/login", {"email": user.email, "password": "otra"}, format="json").status_code == 401


def test_new_passwords_are_argon2id(settings):
    settings.PASSWORD_HASHERS = PASSWORD_HASHERS
    assert make_password("ClaveSegura9").startswith("argon2$argon2id$")
