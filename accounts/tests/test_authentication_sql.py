"""`live_membership`: the caller's membership, user, profile and practice in one hand-written SQL
statement, equal field by field to what the ORM loads, and None whenever the ORM query would find
nothing (revoked or expired device, inactive user, membership or practice)."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.authentication import live_membership
from accounts.models import DeviceSession, Membership, Profile
from accounts.tests.factories import login_tokens


def _session(user):
    login_tokens(user)
    return DeviceSession.objects.filter(user=user).latest("created_at")


def _same(a, b):
    for field in type(a)._meta.concrete_fields:
        assert getattr(a, field.attname) == getattr(b, field.attname), (type(a).__name__, field.name)


def test_one_statement_equal_to_the_orm(therapist_member):
    profile = therapist_member.user.profile
    profile.address = {"city": "Santiago"}
    profile.specialties = ["TCC"]
    profile.save()
    session = _session(therapist_member.user)
    with CaptureQueriesContext(connection) as queries:
        found = live_membership(therapist_member.user_id, session.pk)
        found.user.profile.language, found.practice.timezone  # noqa: B018  (loaded: no further query)
    assert len(queries) == 1
    orm = Membership.objects.select_related("user__profile", "practice").get(pk=found.pk)
    for ours, theirs in (
        (found, orm),
        (found.user, orm.user),
        (found.practice, orm.practice),
        (found.user.profile, orm.user.profile),
    ):
        _same(ours, theirs)
    assert found.user.profile.address == {"city": "Santiago"} and found.user.profile.specialties == ["TCC"]


def test_none_whenever_access_is_gone(therapist_member, admin_member):
    session = _session(therapist_member.user)
    assert live_membership(admin_member.user_id, session.pk) is None  # someone else's device
    DeviceSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert live_membership(therapist_member.user_id, session.pk) is None
    session = _session(therapist_member.user)
    for model, pk in (
        (Membership, therapist_member.pk),
        (type(therapist_member.practice), therapist_member.practice_id),
    ):
        model.objects.filter(pk=pk).update(is_active=False)
        assert live_membership(therapist_member.user_id, session.pk) is None
        model.objects.filter(pk=pk).update(is_active=True)
    DeviceSession.objects.filter(pk=session.pk).update(revoked_at=timezone.now())
    assert live_membership(therapist_member.user_id, session.pk) is None


def test_a_user_without_a_profile(therapist_member):
    session = _session(therapist_member.user)
    Profile.objects.filter(user=therapist_member.user).delete()
    found = live_membership(therapist_member.user_id, session.pk)
    assert found is not None and getattr(found.user, "profile", None) is None
