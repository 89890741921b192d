"""Input and output shapes of the accounts API (snake_case here, camelCase on the wire)."""

import zoneinfo

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import messages as msg
from accounts.choices import Language, MemberStatus, Role, Theme
from accounts.models import User, color_validator
from accounts.schedule import weekly_schedule_from_rows
from accounts.services import password_validate
from sessai.api.fields import SizedImageField, WallClockTimeField, WebLinkField
from sessai.api.serializers import InputSerializer, RoleAwareSerializer
from sessai.api.wire import WireSerializer

# --- Output ---------------------------------------------------------------------------------


class AddressSerializer(InputSerializer):
    street = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    city = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    region = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    zip_code = serializers.CharField(max_length=20, allow_blank=True, required=False, default="")
    country = serializers.CharField(max_length=60, allow_blank=True, required=False, default="Chile")


class EducationSerializer(InputSerializer):
    id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    institution = serializers.CharField(max_length=200)
    degree = serializers.CharField(max_length=200)
    field_of_study = serializers.CharField(max_length=200, allow_blank=True, required=False)
    start_date = serializers.CharField(max_length=20, allow_blank=True, required=False)
    end_date = serializers.CharField(max_length=20, allow_blank=True, required=False)
    description = serializers.CharField(max_length=1000, allow_blank=True, required=False)


class CertificationSerializer(InputSerializer):
    id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200)
    issuing_organization = serializers.CharField(max_length=200, allow_blank=True, required=False)
    issue_date = serializers.CharField(max_length=20, allow_blank=True, required=False)
    expiration_date = serializers.CharField(max_length=20, allow_blank=True, required=False)
    credential_id = serializers.CharField(max_length=200, allow_blank=True, required=False)
    credential_url = WebLinkField(max_length=500, required=False)


class ProfileAddressSerializer(WireSerializer):
    street = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    zip_code = serializers.CharField()
    country = serializers.CharField()


# (stored key, camelCase key an older row may hold, default as an empty form saves it)
_ADDRESS_KEYS = [
    ("street", "street", ""),
    ("city", "city", ""),
    ("region", "region", ""),
    ("zip_code", "zipCode", ""),
    ("country", "country", "Chile"),
]


class ProfileSerializer(RoleAwareSerializer):
    """The UI's `TherapistProfile`. `photo` and `yearsOfExperience` are left out until they are
    set (the UI's types declare them optional, not nullable); `address` is always the whole
    object, its parts "" until set (the type's parts are required strings)."""

    role_dependent_fields = ("photo", "years_of_experience")  # optional in the schema: absent when never set

    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    photo = serializers.SerializerMethodField()
    bio = serializers.CharField()
    specialties = serializers.ListField(child=serializers.CharField())
    credentials = serializers.ListField(child=serializers.CharField())
    license_number = serializers.CharField()
    phone_number = serializers.CharField()
    address = serializers.SerializerMethodField()
    languages = serializers.ListField(child=serializers.CharField())
    years_of_experience = serializers.IntegerField()
    education = serializers.JSONField()
    certifications = serializers.JSONField()
    is_active = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_photo(self, profile) -> str:
        if not profile.photo:
            return None  # dropped by to_representation
        request = self.context.get("request")
        url = profile.photo.url
        return request.build_absolute_uri(url) if request and url.startswith("/") else url

    def get_address(self, profile) -> ProfileAddressSerializer:
        stored = profile.address or {}
        return {key: stored.get(key) or stored.get(camel_key, default) for key, camel_key, default in _ADDRESS_KEYS}

    def to_representation(self, profile):
        data = super().to_representation(profile)
        for key in ("photo", "yearsOfExperience"):
            if data.get(key) is None:
                data.pop(key, None)
        return data

    def get_is_active(self, profile) -> bool:
        return profile.user.is_active


class EmailNotificationsSerializer(InputSerializer):
    appointments = serializers.BooleanField(required=False)
    reminders = serializers.BooleanField(required=False)
    reports = serializers.BooleanField(required=False)
    marketing = serializers.BooleanField(required=False)


class PreferencesOutSerializer(WireSerializer):
    theme = serializers.CharField()
    language = serializers.CharField()
    timezone = serializers.CharField()
    email_notifications = EmailNotificationsSerializer()
    two_factor_enabled = serializers.BooleanField()


class PracticeRefSerializer(WireSerializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class UserSerializer(WireSerializer):
    """The `User` of frontend-reference §1.1, plus `practice`. Built from `selectors.user_with_details`."""

    id = serializers.UUIDField()
    email = serializers.EmailField()
    name = serializers.CharField()
    role = serializers.SerializerMethodField()
    is_email_verified = serializers.BooleanField()
    is_active = serializers.BooleanField()
    last_login_at = serializers.DateTimeField(source="last_login", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    practice = serializers.SerializerMethodField()
    profile = ProfileSerializer()
    preferences = serializers.SerializerMethodField()

    def _membership(self, user):
        return self.context.get("membership") or user.active_membership

    def get_role(self, user) -> str | None:
        membership = self._membership(user)
        return membership.role if membership else None

    def get_practice(self, user) -> PracticeRefSerializer:
        membership = self._membership(user)
        return {"id": str(membership.practice_id), "name": membership.practice.name} if membership else None

    def get_preferences(self, user) -> PreferencesOutSerializer:
        p = user.profile
        return {
            "theme": p.theme,
            "language": p.language,
            "timezone": p.timezone,
            "email_notifications": {
                "appointments": p.notify_appointments,
                "reminders": p.notify_reminders,
                "reports": p.notify_reports,
                "marketing": p.notify_marketing,
            },
            "two_factor_enabled": bool(getattr(user, "two_factor_enabled", False)),
        }


class TokensSerializer(WireSerializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    expires_at = serializers.IntegerField(help_text="Expiry of the access token, epoch milliseconds")


class AuthResponseSerializer(WireSerializer):
    user = UserSerializer()
    tokens = TokensSerializer()
    message = serializers.CharField()


class MfaChallengeSerializer(WireSerializer):
    mfa_required = serializers.BooleanField()
    mfa_token = serializers.CharField()
    message = serializers.CharField()


class MessageSerializer(WireSerializer):
    message = serializers.CharField()


# --- Input ----------------------------------------------------------------------------------

EMAIL_ERRORS = {
    "required": _("El email es requerido"),
    "blank": _("El email es requerido"),
    "invalid": _("Formato de email inválido"),
}
PASSWORD_ERRORS = {"required": _("La contraseña es requerida"), "blank": _("La contraseña es requerida")}


class LoginSerializer(InputSerializer):
    email = serializers.EmailField(max_length=254, error_messages=EMAIL_ERRORS)
    password = serializers.CharField(max_length=128, trim_whitespace=False, error_messages=PASSWORD_ERRORS)
    remember_me = serializers.BooleanField(required=False, default=False)


class MfaVerifySerializer(InputSerializer):
    mfa_token = serializers.CharField(max_length=500)
    code = serializers.CharField(max_length=20)


class RegisterSerializer(InputSerializer):
    name = serializers.CharField(
        min_length=2,
        max_length=100,
        error_messages={
            "required": _("El nombre es requerido"),
            "blank": _("El nombre es requerido"),
            "min_length": _("El nombre debe tener al menos 2 caracteres"),
            "max_length": _("El nombre no puede exceder 100 caracteres"),
        },
    )
    email = serializers.EmailField(max_length=254, error_messages=EMAIL_ERRORS)
    password = serializers.CharField(max_length=128, trim_whitespace=False, error_messages=PASSWORD_ERRORS)
    confirm_password = serializers.CharField(
        max_length=128,
        trim_whitespace=False,
        error_messages={"required": _("Confirma tu contraseña"), "blank": _("Confirma tu contraseña")},
    )
    role = serializers.ChoiceField(
        choices=Role.choices,
        error_messages={"required": _("Selecciona un rol"), "invalid_choice": _("Selecciona un rol")},
    )
    specialties = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=30)
    license_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    accept_terms = serializers.BooleanField(error_messages={"required": msg.TERMS_REQUIRED})

    def validate_accept_terms(self, value):
        if value is not True:
            raise serializers.ValidationError(msg.TERMS_REQUIRED)
        return value

    def validate(self, attrs):
        # the same rules as reset, change and invitation, with the registrant's email and name
        password_validate(User(email=attrs["email"], name=attrs["name"]), attrs["password"], attrs["confirm_password"])
        return attrs


class RefreshSerializer(InputSerializer):
    refresh_token = serializers.CharField(max_length=2000)


class LogoutSerializer(InputSerializer):
    refresh_token = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class EmailSerializer(InputSerializer):
    email = serializers.EmailField(max_length=254, error_messages=EMAIL_ERRORS)


class TokenSerializer(InputSerializer):
    token = serializers.CharField(max_length=500)


class NewPasswordSerializer(InputSerializer):
    token = serializers.CharField(max_length=500)
    password = serializers.CharField(max_length=128, trim_whitespace=False, error_messages=PASSWORD_ERRORS)
    confirm_password = serializers.CharField(max_length=128, trim_whitespace=False)


class ChangePasswordSerializer(InputSerializer):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False)
    password = serializers.CharField(max_length=128, trim_whitespace=False, error_messages=PASSWORD_ERRORS)
    confirm_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PreferencesInSerializer(InputSerializer):
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    timezone = serializers.ChoiceField(
        choices=sorted(zoneinfo.available_timezones()),
        required=False,
        error_messages={"invalid_choice": _("Zona horaria inválida")},
    )
    email_notifications = EmailNotificationsSerializer(required=False)
    two_factor_enabled = serializers.BooleanField(required=False, help_text="Read-only: use the MFA endpoints")

    def validate(self, attrs):
        attrs.pop("two_factor_enabled", None)  # changed only through the MFA endpoints
        return attrs


class ProfileUpdateSerializer(InputSerializer):
    """`Partial<TherapistProfile>` and/or `preferences` (PUT and PATCH are both partial, as the UI sends).
    `name` is the display name (with its honorific); first and last name never rewrite it."""

    name = serializers.CharField(
        max_length=100,
        error_messages={"blank": _("El nombre es requerido")},
        help_text=_("Nombre para mostrar, p. ej. «Dra. Ana Silva»."),
    )
    first_name = serializers.CharField(
        max_length=100, error_messages={"blank": _("El nombre es requerido"), "required": _("El nombre es requerido")}
    )
    last_name = serializers.CharField(
        max_length=100,
        error_messages={"blank": _("El apellido es requerido"), "required": _("El apellido es requerido")},
    )
    bio = serializers.CharField(
        max_length=500,
        allow_blank=True,
        error_messages={"max_length": _("La biografía no puede exceder 500 caracteres")},
    )
    specialties = serializers.ListField(child=serializers.CharField(max_length=100), max_length=30)
    credentials = serializers.ListField(child=serializers.CharField(max_length=100), max_length=30)
    license_number = serializers.CharField(max_length=50, allow_blank=True)
    phone_number = serializers.CharField(max_length=30, allow_blank=True)
    address = AddressSerializer()
    languages = serializers.ListField(child=serializers.CharField(max_length=50), max_length=20)
    years_of_experience = serializers.IntegerField(min_value=0, max_value=50, allow_null=True)
    education = EducationSerializer(many=True, max_length=30)
    certifications = CertificationSerializer(many=True, max_length=30)
    preferences = PreferencesInSerializer()

    def __init__(self, *args, **kwargs):
        # Every top-level field is optional (PUT is partial too), but an education or certification
        # item sent must be whole: DRF's `partial` would skip required fields at every depth.
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class PhotoSerializer(WireSerializer):
    photo = SizedImageField(max_bytes_setting="PROFILE_PHOTO_MAX_BYTES")


class MfaConfirmSerializer(InputSerializer):
    setup_token = serializers.CharField(max_length=500)
    code = serializers.CharField(max_length=20)


class PasswordConfirmSerializer(InputSerializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class DeviceSessionSerializer(WireSerializer):
    """`UserSession` of frontend-reference §1.5."""

    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    device_id = serializers.UUIDField(source="id")
    device_info = serializers.CharField(source="user_agent")
    ip_address = serializers.CharField(allow_null=True)
    user_agent = serializers.CharField()
    is_active = serializers.SerializerMethodField()
    is_current = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_active_at = serializers.DateTimeField()

    def get_is_active(self, obj) -> bool:
        return obj.is_live

    def get_is_current(self, obj) -> bool:
        return str(obj.id) == str(self.context.get("current_session_id"))


# --- Team -----------------------------------------------------------------------------------


class DayHoursSerializer(InputSerializer):
    """One day of a member's weekly hours (the team list embeds the 7-day map)."""

    start = WallClockTimeField()
    end = WallClockTimeField()
    available = serializers.BooleanField()


class WeeklyScheduleMapSerializer(WireSerializer):
    """The whole 7-day map as it is answered: every day present."""

    monday = DayHoursSerializer()
    tuesday = DayHoursSerializer()
    wednesday = DayHoursSerializer()
    thursday = DayHoursSerializer()
    friday = DayHoursSerializer()
    saturday = DayHoursSerializer()
    sunday = DayHoursSerializer()


class TeamMemberSerializer(WireSerializer):
    """A team member (frontend-reference §1.10). `id` is the user id, the same as `therapistId`."""

    id = serializers.UUIDField(source="user_id")
    membership_id = serializers.UUIDField(source="id")
    name = serializers.CharField(source="user.name")
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(choices=Role.choices)
    title = serializers.CharField()
    color = serializers.CharField()
    specialty = serializers.SerializerMethodField()
    specialties = serializers.ListField(child=serializers.CharField(), source="user.profile.specialties")
    status = serializers.SerializerMethodField()
    is_active = serializers.SerializerMethodField()
    is_email_verified = serializers.BooleanField()
    invitation_pending = serializers.BooleanField()
    last_login_at = serializers.DateTimeField(source="user.last_login", allow_null=True)
    created_at = serializers.DateTimeField()
    schedule = serializers.SerializerMethodField()

    def get_schedule(self, m) -> WeeklyScheduleMapSerializer:
        """The Horarios tab's `member.schedule[day]`: the same map as `/admin/team/{id}/schedule`."""
        return weekly_schedule_from_rows({row.weekday: row for row in m.availability.all()})

    def get_specialty(self, m) -> str:
        specialties = m.user.profile.specialties
        return specialties[0] if specialties else ""

    def _active(self, m) -> bool:
        return m.is_active and m.user.is_active

    def get_is_active(self, m) -> bool:
        return self._active(m)

    def get_status(self, m) -> str:
        return MemberStatus.ACTIVE if self._active(m) else MemberStatus.INACTIVE


class TeamInviteSerializer(InputSerializer):
    name = serializers.CharField(
        min_length=2,
        max_length=100,
        error_messages={"required": _("El nombre es requerido"), "blank": _("El nombre es requerido")},
    )
    email = serializers.EmailField(max_length=254, error_messages=EMAIL_ERRORS)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.THERAPIST)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    specialties = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=30)
    specialty = serializers.CharField(max_length=100, required=False, allow_blank=True)
    color = serializers.CharField(max_length=7, required=False, allow_blank=True, validators=[color_validator])

    def validate(self, attrs):
        specialty = attrs.pop("specialty", "")
        if specialty and not attrs.get("specialties"):
            attrs["specialties"] = [specialty]
        return attrs


class TeamUpdateSerializer(InputSerializer):
    name = serializers.CharField(min_length=2, max_length=100, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    color = serializers.CharField(max_length=7, required=False, validators=[color_validator])
    is_active = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(choices=MemberStatus.choices, required=False)
    specialties = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=30)

    def validate(self, attrs):
        status = attrs.pop("status", None)
        if status and "is_active" not in attrs:
            attrs["is_active"] = status == MemberStatus.ACTIVE
        return attrs


class UserStatsSerializer(WireSerializer):
    total = serializers.IntegerField()
    active = serializers.IntegerField()
    inactive = serializers.IntegerField()
    by_role = serializers.DictField(child=serializers.IntegerField())
    email_verified = serializers.IntegerField()
    email_unverified = serializers.IntegerField()
