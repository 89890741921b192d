"""The practice's side of patients' pages: online booking settings (with the public address and
branding patients see) and the wait-list."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.choices import Role
from accounts.models import Membership, Practice
from accounts.services import PUBLIC_PROFILE_FIELDS, practice_logo_set, practice_public_profile_set
from accounts.validators import validate_public_slug
from scheduling.booking.services import booking_settings
from scheduling.choices import SessionType, WaitlistStatus
from scheduling.links import public_url
from scheduling.models import WaitlistEntry
from sessai.api.fields import SizedImageField
from sessai.api.permissions import ADMIN, STAFF
from sessai.api.serializers import InputSerializer
from sessai.api.views import PracticeAPIView, PracticeGenericViewSet
from sessai.api.wire import WireSerializer
from sessai.errors import ValidationFailed

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class BookingSettingsSerializer(WireSerializer):
    enabled = serializers.BooleanField()
    slug = serializers.CharField(allow_null=True, help_text=_("La dirección pública: /p/<slug>/reservar"))
    booking_url = serializers.CharField(
        allow_null=True, help_text=_("El enlace de reserva para compartir; null sin dirección")
    )
    therapist_ids = serializers.ListField(
        child=serializers.UUIDField(), help_text=_("Vacío: todos los terapeutas activos")
    )
    session_types = serializers.ListField(child=serializers.ChoiceField(choices=SessionType.choices))
    durations = serializers.ListField(child=serializers.IntegerField())
    lead_time_hours = serializers.IntegerField()
    horizon_days = serializers.IntegerField()
    cancellation_window_hours = serializers.IntegerField()
    auto_confirm = serializers.BooleanField()
    waitlist_enabled = serializers.BooleanField()
    waitlist_offer_count = serializers.IntegerField()
    brand_color = serializers.CharField()
    phone = serializers.CharField()
    has_logo = serializers.BooleanField()


class BookingSettingsInputSerializer(InputSerializer):
    enabled = serializers.BooleanField(required=False)
    slug = serializers.RegexField(
        SLUG_PATTERN,
        min_length=3,
        max_length=60,
        required=False,
        help_text=_("Minúsculas, números y guiones: centro-ejemplo"),
        error_messages={"invalid": _("Usa minúsculas, números y guiones")},
        validators=[validate_public_slug],
    )
    therapist_ids = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=200)
    session_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SessionType.choices), required=False, min_length=1, max_length=3
    )
    durations = serializers.ListField(
        child=serializers.IntegerField(min_value=10, max_value=240), required=False, min_length=1, max_length=6
    )
    lead_time_hours = serializers.IntegerField(min_value=0, max_value=720, required=False)
    horizon_days = serializers.IntegerField(min_value=1, max_value=180, required=False)
    cancellation_window_hours = serializers.IntegerField(min_value=0, max_value=336, required=False)
    auto_confirm = serializers.BooleanField(required=False)
    waitlist_enabled = serializers.BooleanField(required=False)
    waitlist_offer_count = serializers.IntegerField(min_value=1, max_value=20, required=False)
    brand_color = serializers.RegexField(
        r"^#[0-9a-fA-F]{6}$",
        max_length=7,
        required=False,
        error_messages={"invalid": _("El color debe tener el formato #rrggbb")},
    )
    phone = serializers.RegexField(
        r"^[0-9+() -]{0,30}$",
        max_length=30,
        allow_blank=True,
        required=False,
        error_messages={"invalid": _("Ingresa un teléfono válido")},
    )


class LogoSerializer(InputSerializer):
    logo = SizedImageField(max_bytes_setting="PROFILE_PHOTO_MAX_BYTES")


def settings_out(practice: Practice) -> dict:
    config = booking_settings(practice)
    url = public_url(reverse("portal:booking", args=[practice.slug])) if practice.slug else None
    return BookingSettingsSerializer(
        {
            "enabled": config.enabled,
            "slug": practice.slug,
            "booking_url": url,
            "therapist_ids": [m.user_id for m in config.therapists.all()],
            "session_types": config.session_types,
            "durations": config.durations,
            "lead_time_hours": config.lead_time_hours,
            "horizon_days": config.horizon_days,
            "cancellation_window_hours": config.cancellation_window_hours,
            "auto_confirm": config.auto_confirm,
            "waitlist_enabled": config.waitlist_enabled,
            "waitlist_offer_count": config.waitlist_offer_count,
            "brand_color": practice.brand_color,
            "phone": practice.phone,
            "has_logo": bool(practice.logo),
        }
    ).data


class BookingSettingsView(PracticeAPIView):
    """`GET/PUT/PATCH /api/admin/booking/settings`: every member reads them (to share the link);
    admins change them."""

    allowed_roles = {"GET": STAFF, "PUT": ADMIN, "PATCH": ADMIN}
    error_statuses = {"PUT": (409,), "PATCH": (409,)}

    @extend_schema(responses={200: BookingSettingsSerializer})
    def get(self, request):
        return Response(settings_out(self.practice))

    @extend_schema(request=BookingSettingsInputSerializer, responses={200: BookingSettingsSerializer})
    @transaction.atomic
    def put(self, request):
        data = BookingSettingsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        practice = Practice.objects.select_for_update().get(pk=self.practice.pk)
        config = booking_settings(practice)
        if "slug" in values and values["slug"] != practice.slug:
            if Practice.objects.filter(slug=values["slug"]).exclude(pk=practice.pk).exists():
                raise ValidationFailed(
                    _("Esa dirección ya está en uso"),
                    code="slug_taken",
                    errors={"slug": [str(_("Esa dirección ya está en uso"))]},
                )
        if values.get("enabled") and not (values.get("slug") or practice.slug):
            raise ValidationFailed(
                _("Elige una dirección pública antes de activar la reserva en línea"),
                errors={"slug": [str(_("Elige una dirección pública antes de activar la reserva en línea"))]},
            )
        if "therapist_ids" in values:
            ids = set(values.pop("therapist_ids"))
            members = list(
                Membership.objects.active().filter(
                    practice=practice, user_id__in=ids, role__in=[Role.THERAPIST, Role.ADMIN]
                )
            )
            if len(members) != len(ids):
                message = _("Uno de los terapeutas no pertenece a la consulta")
                raise ValidationFailed(message, errors={"therapistIds": [str(message)]})
            config.therapists.set(members)
        practice_public_profile_set(
            practice=practice, **{field: values.pop(field) for field in PUBLIC_PROFILE_FIELDS if field in values}
        )
        for field, value in values.items():
            setattr(config, field, sorted(set(value)) if field == "durations" else value)
        config.save()
        return Response(settings_out(practice))

    patch = put


class BookingLogoView(PracticeAPIView):
    """`POST /api/admin/booking/logo`: the logo patients see on their pages (PNG, JPEG or WebP)."""

    allowed_roles = ADMIN
    error_statuses = {"POST": (413,)}
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": LogoSerializer}, responses={200: BookingSettingsSerializer})
    def post(self, request):
        data = LogoSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        practice = practice_logo_set(
            practice=Practice.objects.get(pk=self.practice.pk), upload=data.validated_data["logo"]
        )
        return Response(settings_out(practice))


class WaitlistEntrySerializer(WireSerializer):
    id = serializers.UUIDField()
    therapist_id = serializers.UUIDField()
    therapist_name = serializers.CharField(source="therapist.name")
    name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    time_from = serializers.TimeField(allow_null=True, format="%H:%M")
    time_to = serializers.TimeField(allow_null=True, format="%H:%M")
    duration = serializers.IntegerField()
    type = serializers.ChoiceField(choices=SessionType.choices)
    status = serializers.ChoiceField(choices=WaitlistStatus.choices)
    session_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()


class WaitlistViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, PracticeGenericViewSet):
    """`GET /api/admin/waitlist` (people waiting, oldest first) and `DELETE /api/admin/waitlist/{id}`
    (takes someone off the list; the row stays as `left`)."""

    allowed_roles = STAFF
    serializer_class = WaitlistEntrySerializer
    queryset = WaitlistEntry.objects.none()
    pagination_class = None

    def scoped_queryset(self, membership):
        rows = WaitlistEntry.objects.filter(practice_id=membership.practice_id).select_related("therapist")
        if self.action == "list":
            rows = rows.filter(status=WaitlistStatus.ACTIVE)
        return rows.order_by("created_at")

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        entry = self.get_object()
        if entry.status == WaitlistStatus.ACTIVE:
            entry.status = WaitlistStatus.LEFT
            entry.save(update_fields=["status"])
        return Response(status=status.HTTP_204_NO_CONTENT)
