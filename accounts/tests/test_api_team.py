import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Invitation, Membership, User
from accounts.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TEAM = "/api/admin/team"


def invite(client, capture, **overrides):
    payload = {
        "name": "Dr. Juan Pérez",
        "email": "juan.perez@clinica.com",
        "role": "therapist",
        "specialty": "Psicología Clínica",
        **overrides,
    }
    with capture(execute=True):
        return client.post(TEAM, payload, format="json")


def test_admin_lists_the_team(as_admin, therapist_member, assistant_member, other_admin_member):
    response = as_admin.get(TEAM)
    assert response.status_code == 200
    body = response.json()
    ids = {m["id"] for m in body["data"]}
    assert ids == {str(as_admin.user.id), str(therapist_member.user_id), str(assistant_member.user_id)}
    assert body["pagination"] == {"page": 1, "limit": 25, "total": 3, "totalPages": 1}
    member = next(m for m in body["data"] if m["id"] == str(therapist_member.user_id))
    assert member["status"] == "active" and member["role"] == "therapist" and member["color"].startswith("#")


@pytest.mark.parametrize("client_name", ["as_therapist", "as_assistant"])
def test_team_is_admin_only(request, client_name):
    client = request.getfixturevalue(client_name)
    assert client.get(TEAM).status_code == 403
    assert client.post(TEAM, {"name": "X Y", "email": "x@y.cl"}, format="json").status_code == 403
    assert client.get("/api/admin/users/stats").status_code == 403


def test_team_requires_token(api):
    assert api.get(TEAM).status_code == 401
    assert api.get("/api/admin/users/stats").status_code == 401


def test_invitation_flow_end_to_end(as_admin, api, django_capture_on_commit_callbacks, run_jobs):
    response = invite(as_admin, django_capture_on_commit_callbacks, title="Psicólogo Clínico")
    assert response.status_code == 201, response.json()
    member = response.json()
    assert member["invitationPending"] is True and member["specialty"] == "Psicología Clínica"
    assert member["title"] == "Psicólogo Clínico" and re.match(r"^#[0-9a-f]{6}$", member["color"])
    run_jobs()
    message = mail.outbox[-1]
    assert message.to == ["juan.perez@clinica.com"]
    token = re.search(r"/cuenta/invitacion\?token=(\S+)", message.body).group(1)

    # Not yet able to log in: no password.
    login = api.post("/api/auth/login", {"email": "juan.perez@clinica.com", "password": "Cualquiera1"}, format="json")
    assert login.status_code == 401
    weak = api.post(
        "/api/auth/accept-invitation", {"token": token, "password": "abc", "confirmPassword": "abc"}, format="json"
    )
    assert weak.status_code == 400
    accepted = api.post(
        "/api/auth/accept-invitation",
        {"token": token, "password": "Bienvenido1", "confirmPassword": "Bienvenido1"},
        format="json",
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["user"]["role"] == "therapist"
    assert accepted.json()["user"]["isEmailVerified"] is True
    assert accepted.json()["user"]["practice"]["id"] == str(as_admin.membership.practice_id)
    # Single use.
    again = api.post(
        "/api/auth/accept-invitation",
        {"token": token, "password": "Bienvenido2", "confirmPassword": "Bienvenido2"},
        format="json",
    )
    assert again.status_code == 400
    assert (
        api.post(
            "/api/auth/login", {"email": "juan.perez@clinica.com", "password": "Bienvenido1"}, format="json"
        ).status_code
        == 200
    )


def test_invitation_expires(as_admin, api, django_capture_on_commit_callbacks, run_jobs):
    invite(as_admin, django_capture_on_commit_callbacks)
    run_jobs()
    token = re.search(r"token=(\S+)", mail.outbox[-1].body).group(1)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.post(
        "/api/auth/accept-invitation",
        {"token": token, "password": "Bienvenido1", "confirmPassword": "Bienvenido1"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["message"] == "La invitación es inválida o ha expirado"


def test_resend_invitation_invalidates_the_previous_link(as_admin, api, django_capture_on_commit_callbacks, run_jobs):
    member = invite(as_admin, django_capture_on_commit_callbacks).json()
    run_jobs()
    first = re.search(r"token=(\S+)", mail.outbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert as_admin.post(f"{TEAM}/{member['id']}/resend-invitation").status_code == 200
    run_jobs()
    second = re.search(r"token=(\S+)", mail.outbox[-1].body).group(1)
    body = {"password": "Bienvenido1", "confirmPassword": "Bienvenido1"}
    assert api.post("/api/auth/accept-invitation", {"token": first, **body}, format="json").status_code == 400
    assert api.post("/api/auth/accept-invitation", {"token": second, **body}, format="json").status_code == 200


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"email": "juan.perez@clinica.com"}, "name"),
        ({"name": "Juan Pérez"}, "email"),
        ({"name": "Juan", "email": "j@c.cl", "role": "jefe"}, "role"),
        ({"name": "Juan", "email": "j@c.cl", "color": "rojo"}, "color"),
    ],
)
def test_invite_bad_input(as_admin, payload, field):
    response = as_admin.post(TEAM, payload, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not User.objects.filter(email__in=["juan.perez@clinica.com", "j@c.cl"]).exists()


def test_invite_existing_email_is_400(as_admin, therapist_member, django_capture_on_commit_callbacks):
    response = invite(as_admin, django_capture_on_commit_callbacks, email=therapist_member.user.email)
    assert response.status_code == 400 and response.json()["message"] == "Este email ya está registrado"


def test_update_role_title_color(as_admin, therapist_member):
    response = as_admin.patch(
        f"{TEAM}/{therapist_member.user_id}", {"role": "admin", "title": "Directora", "color": "#112233"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["role"] == "admin" and response.json()["title"] == "Directora"
    assert response.json()["color"] == "#112233"


def test_update_bad_input(as_admin, therapist_member):
    response = as_admin.patch(f"{TEAM}/{therapist_member.user_id}", {"role": "dios", "color": "azul"}, format="json")
    assert response.status_code == 400 and {"role", "color"} <= set(response.json()["errors"])
    therapist_member.refresh_from_db()
    assert therapist_member.role == Role.THERAPIST


def test_last_admin_cannot_be_demoted_or_deactivated(as_admin, therapist_member):
    me = as_admin.user.id
    demote = as_admin.patch(f"{TEAM}/{me}", {"role": "therapist"}, format="json")
    assert demote.status_code == 409 and demote.json()["code"] == "last_admin"
    # With a second admin, the first may step down.
    as_admin.patch(f"{TEAM}/{therapist_member.user_id}", {"role": "admin"}, format="json")
    assert as_admin.patch(f"{TEAM}/{me}", {"role": "therapist"}, format="json").status_code == 200


def test_admin_cannot_deactivate_themselves(as_admin):
    response = as_admin.delete(f"{TEAM}/{as_admin.user.id}")
    assert response.status_code == 409


def test_deactivate_member_signs_them_out(as_admin, therapist_member, client_for):
    therapist = client_for(therapist_member)
    response = as_admin.delete(f"{TEAM}/{therapist_member.user_id}")
    assert response.status_code == 200 and response.json()["status"] == "inactive"
    assert therapist.get("/api/auth/profile").status_code == 401
    # Reactivation is a PATCH.
    assert (
        as_admin.patch(f"{TEAM}/{therapist_member.user_id}", {"status": "active"}, format="json").json()["isActive"]
        is True
    )


def test_other_practice_members_are_404(as_admin, other_admin_member):
    target = other_admin_member.user_id
    assert as_admin.get(f"{TEAM}/{target}").status_code == 404
    assert as_admin.patch(f"{TEAM}/{target}", {"title": "X"}, format="json").status_code == 404
    assert as_admin.delete(f"{TEAM}/{target}").status_code == 404
    assert Membership.objects.get(pk=other_admin_member.pk).is_active


def test_user_stats(as_admin, therapist_member, assistant_member, other_admin_member):
    MembershipFactory(practice=as_admin.membership.practice, role=Role.THERAPIST, is_active=False)
    response = as_admin.get("/api/admin/users/stats")
    assert response.status_code == 200
    assert response.json() == {
        "total": 4,
        "active": 3,
        "inactive": 1,
        "byRole": {"admin": 1, "therapist": 2, "assistant": 1},
        "emailVerified": 4,
        "emailUnverified": 0,
    }


def test_team_list_query_count_is_constant(as_admin, django_assert_max_num_queries):
    for _ in range(30):
        MembershipFactory(practice=as_admin.membership.practice)
    with django_assert_max_num_queries(4):  # count, page, the weekly schedules of the page, auth
        response = as_admin.get(f"{TEAM}?limit=100")
    assert len(response.json()["data"]) == 31
