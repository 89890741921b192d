"""The role matrix of api-contract §2, in one place.

Views declare `allowed_roles`: either a collection of roles for every action, or a mapping from
action / HTTP method to roles. Nothing declared means nobody is allowed (secure by default).
"""

from rest_framework.permissions import BasePermission

from sessai.roles import Role

ADMIN = frozenset({Role.ADMIN})
CLINICAL = frozenset({Role.ADMIN, Role.THERAPIST})  # may see clinical content and use AI
STAFF = frozenset({Role.ADMIN, Role.THERAPIST, Role.ASSISTANT})  # every practice member
SCHEDULING = STAFF  # calendar, appointments, availability, blocked times


class IsPracticeMember(BasePermission):
    """Authenticated through a live device session, with an active membership in an active practice."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and getattr(user, "active_membership", None))


class HasRole(BasePermission):
    """The caller's role must be among the view's `allowed_roles` for this action."""

    def has_permission(self, request, view):
        membership = getattr(request.user, "active_membership", None)
        if membership is None:
            return False
        return membership.role in roles_for(view, request)


def roles_for(view, request) -> frozenset:
    allowed = getattr(view, "allowed_roles", None)
    if allowed is None:
        return frozenset()
    if isinstance(allowed, dict):
        action = getattr(view, "action", None)
        for key in (action, request.method, "*"):
            if key in allowed:
                return frozenset(allowed[key])
        return frozenset()
    return frozenset(allowed)
