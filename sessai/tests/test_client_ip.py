"""The client's address behind proxies: believed from X-Forwarded-For only through trusted proxies,
and the same value for rate limits, audit entries and device sessions."""

import pytest
from auditlog.models import LogEntry

from accounts.models import DeviceSession
from patients.tests.factories import patient_for
from sessai.clientip import resolve


@pytest.mark.parametrize(
    ("peer", "header", "proxies", "hops", "client"),
    [
        ("203.0.113.9", "1.2.3.4", (), 0, "203.0.113.9"),  # no proxy configured: the header is ignored
        ("203.0.113.9", "1.2.3.4", ("10.0.0.0/8",), 0, "203.0.113.9"),  # spoofed from an untrusted peer
        ("10.0.0.2", "1.2.3.4", ("10.0.0.0/8",), 0, "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.7", ("10.0.0.0/8",), 0, "1.2.3.4"),  # a forged left part is not believed
        ("10.0.0.2", "garbage, 1.2.3.4", ("10.0.0.0/8",), 0, "1.2.3.4"),
        ("10.0.0.2", "1.2.3.4, garbage", ("10.0.0.0/8",), 0, "10.0.0.2"),
        ("10.0.0.2", "[2001:db8::1]:443", ("10.0.0.0/8",), 0, "2001:db8::1"),
        ("172.16.5.5", "6.6.6.6, 1.2.3.4", (), 1, "1.2.3.4"),  # one router hop
        ("172.16.5.5", "6.6.6.6, 1.2.3.4:5555", (), 2, "6.6.6.6"),
        ("172.16.5.5", "1.2.3.4", (), 2, "172.16.5.5"),  # fewer hops than configured: the peer
    ],
)
def test_resolve(peer, header, proxies, hops, client):
    assert resolve(peer, header, proxies=proxies, hops=hops) == client


LOGIN = {"email": "nadie@example.com", "password": "incorrecta"}


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(db, api, settings):
    settings.RATELIMIT_ENABLE = True
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.RATELIMITS = {
        **settings.RATELIMITS,
        "login_ip": "2/m",
        "login_account": "100/m",
        "login_account_hour": "100/h",
    }
    statuses = [
        api.post(
            "/api/auth/login", LOGIN, format="json", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(3)
    ]
    assert statuses[-1] == 429  # a new forged address per request did not reset the count


def test_through_a_trusted_proxy_two_clients_get_separate_limits(db, api, settings):
    settings.RATELIMIT_ENABLE = True
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.RATELIMITS = {
        **settings.RATELIMITS,
        "login_ip": "2/m",
        "login_account": "100/m",
        "login_account_hour": "100/h",
    }

    def attempt(client):
        return api.post(
            "/api/auth/login", LOGIN, format="json", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client
        ).status_code

    assert [attempt("198.51.100.1") for _ in range(3)] == [401, 401, 429]
    assert attempt("198.51.100.2") == 401  # the other client, same router: not locked out


def test_audit_entries_and_device_sessions_record_the_client(api, therapist_member, settings, as_admin, admin_member):
    settings.TRUSTED_PROXY_HOPS = 1
    user = therapist_member.user
    user.set_password("ClaveSegura9")
    user.save()
    response = api.post(
        "/api/auth/login",
        {"email": user.email, "password": "ClaveSegura9"},
        format="json",
        REMOTE_ADDR="172.16.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert response.status_code == 200
    assert DeviceSession.objects.filter(user=user).latest("created_at").ip_address == "203.0.113.50"
    patient = patient_for(therapist_member)
    changed = as_admin.patch(
        f"/api/patients/{patient.id}",
        {"phone": "+56 9 1111 2222"},
        format="json",
        REMOTE_ADDR="172.16.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.77",
    )
    assert changed.status_code == 200
    entry = LogEntry.objects.filter(actor=admin_member.user).latest("timestamp")
    assert entry.remote_addr == "203.0.113.77"


def test_without_trusted_proxies_the_audit_ignores_the_header(as_admin, admin_member, therapist_member):
    patient = patient_for(therapist_member)
    changed = as_admin.patch(
        f"/api/patients/{patient.id}",
        {"phone": "+56 9 1111 2222"},
        format="json",
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    assert changed.status_code == 200
    assert LogEntry.objects.filter(actor=admin_member.user).latest("timestamp").remote_addr == "203.0.113.9"
