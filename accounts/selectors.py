"""Read queries of the accounts domain, scoped and annotated so serializers never query per row."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.choices import Role
from accounts.models import DeviceSession, Invitation, Membership, Practice, User


def _verified_email():
    return EmailAddress.objects.filter(user_id=OuterRef("pk"), email=OuterRef("email"), verified=True)


def user_with_details(user_id) -> User:
    """The user of the API `User` shape: profile, email verification and MFA state in one query."""
    user = (
        User.objects.select_related("profile")
        .annotate(
            is_email_verified=Exists(_verified_email()),
            two_factor_enabled=Exists(
                Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)
            ),
        )
        .get(pk=user_id)
    )
    return user


def member_list(*, practice: Practice) -> QuerySet[Membership]:
    """Every membership of the practice (active or not) with the user, profile and flags annotated."""
    return (
        Membership.objects.filter(practice=practice)
        .select_related("user", "user__profile")
        .prefetch_related("availability")  # the embedded weekly schedule: one query for the whole page
        .annotate(
            is_email_verified=Exists(
                EmailAddress.objects.filter(user_id=OuterRef("user_id"), email=OuterRef("user__email"), verified=True)
            ),
            invitation_pending=Exists(
                Invitation.objects.filter(
                    membership_id=OuterRef("pk"),
                    accepted_at__isnull=True,
                    revoked_at__isnull=True,
                    expires_at__gt=timezone.now(),
                )
            ),
        )
        .order_by("user__name")
    )


def member_stats(*, practice: Practice) -> dict:
    """UserStats of frontend-reference §1.5, in one aggregate query."""
    verified = Exists(
        EmailAddress.objects.filter(user_id=OuterRef("user_id"), email=OuterRef("user__email"), verified=True)
    )
    qs = Membership.objects.filter(practice=practice).annotate(verified=verified)
    live = Q(is_active=True, user__is_active=True)
    agg = qs.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=live),
        admin=Count("pk", filter=Q(role=Role.ADMIN)),
        therapist=Count("pk", filter=Q(role=Role.THERAPIST)),
        assistant=Count("pk", filter=Q(role=Role.ASSISTANT)),
        email_verified=Count("pk", filter=Q(verified=True)),
    )
    return {
        "total": agg["total"],
        "active": agg["active"],
        "inactive": agg["total"] - agg["active"],
        "by_role": {"admin": agg["admin"], "therapist": agg["therapist"], "assistant": agg["assistant"]},
        "email_verified": agg["email_verified"],
        "email_unverified": agg["total"] - agg["email_verified"],
    }


def device_session_list(*, user: User) -> QuerySet[DeviceSession]:
    return DeviceSession.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).order_by(
        "-last_active_at"
    )
