"""Bearer access tokens tied to a live device session and an active membership, in one query."""

import uuid
from functools import lru_cache

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts.models import DeviceSession, Membership, Practice, Profile, User
from sessai import scope

MODELS = (Membership, User, Practice, Profile)  # the order of the statement's columns


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


@lru_cache(maxsize=1)
def _live_membership_sql() -> tuple[str, list]:
    """The caller's membership, user, practice and profile, if the device session is live: one
    statement, written once per process (building it through the ORM on every request cost more
    than running it), and for each model its slice of the row, its fields and their attnames. The
    column lists come from the models, so a new field is read too."""
    sql = (
        f"SELECT {_columns(Membership, 'm')}, {_columns(User, 'u')}, {_columns(Practice, 'pr')}, {_columns(Profile, 'p')} "
        f'FROM "{Membership._meta.db_table}" m '
        f'JOIN "{User._meta.db_table}" u ON u."id" = m."user_id" '
        f'JOIN "{Practice._meta.db_table}" pr ON pr."id" = m."practice_id" '
        f'LEFT JOIN "{Profile._meta.db_table}" p ON p."user_id" = u."id" '
        'WHERE m."user_id" = %s AND m."is_active" AND u."is_active" AND pr."is_active" '
        f'AND EXISTS (SELECT 1 FROM "{DeviceSession._meta.db_table}" d WHERE d."id" = %s AND d."user_id" = m."user_id" '
        'AND d."revoked_at" IS NULL AND d."expires_at" > %s) '
        'ORDER BY m."id" LIMIT 1'
    )
    layout, start = [], 0
    for model in MODELS:
        fields = model._meta.concrete_fields
        layout.append((model, slice(start, start + len(fields)), fields, [f.attname for f in fields]))
        start += len(fields)
    return sql, layout


def _instance(model, fields, attnames, values):
    """A model instance from its columns, through each field's database converter (JSON columns
    arrive as text), as the ORM builds it."""
    values = [
        field.from_db_value(value, None, connection) if value is not None and hasattr(field, "from_db_value") else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(connection.alias, attnames, values)


def live_membership(user_id, session_id):
    """The caller's active membership (with user, profile and practice) if the device session is
    still live, else None: one SQL statement."""
    user_id, session_id = uuid.UUID(str(user_id)), uuid.UUID(str(session_id))  # ValueError for garbage, as the ORM did
    sql, layout = _live_membership_sql()
    # its tables (memberships, people, practices, profiles, device sessions) carry no row-level
    # policy, so whichever practice the connection last took changes nothing: no switch for it
    with scope.indifferent(), connection.cursor() as cursor:
        cursor.execute(sql, [user_id, session_id, timezone.now()])
        row = cursor.fetchone()
    if row is None:
        return None
    membership, user, practice, profile = (
        _instance(model, fields, attnames, row[cut]) if row[cut][0] is not None else None  # no profile: LEFT JOIN nulls
        for model, cut, fields, attnames in layout
    )
    membership._state.fields_cache["user"] = user
    membership._state.fields_cache["practice"] = practice
    user._state.fields_cache["profile"] = profile
    if profile is not None:
        profile._state.fields_cache["user"] = user
    return membership


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
