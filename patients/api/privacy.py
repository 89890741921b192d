"""`/api/privacy/requests`: patients' data-rights requests, admins only."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from patients.choices import PrivacyRequestKind, PrivacyRequestStatus
from patients.models import PrivacyRequest
from patients.selectors import patient_scope
from patients.services import data_rights
from sessai.api.permissions import ADMIN
from sessai.api.serializers import InputSerializer, QuerySerializer
from sessai.api.views import PracticeGenericViewSet
from sessai.api.wire import WireSerializer
from sessai.errors import ValidationFailed


class PrivacyRequestSerializer(WireSerializer):
    id = serializers.UUIDField()
    patient_id = serializers.UUIDField()
    patient_name = serializers.CharField(source="patient.name")
    kind = serializers.ChoiceField(choices=PrivacyRequestKind.choices)
    channel = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    extension_reason = serializers.CharField()
    status = serializers.ChoiceField(choices=PrivacyRequestStatus.choices)
    resolution = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by_id = serializers.UUIDField(allow_null=True)


class PrivacyRequestInputSerializer(InputSerializer):
    patient_id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=PrivacyRequestKind.choices)
    channel = serializers.CharField(max_length=50, allow_blank=True, required=False, default="")
    received_at = serializers.DateTimeField(
        required=False, help_text=_("Cuándo llegó; ahora si se omite. No puede ser futura")
    )

    def validate_received_at(self, value):
        if value > timezone.now() + timedelta(minutes=5):  # a clock a little ahead is not a request from the future
            raise serializers.ValidationError(_("La fecha de recepción no puede ser futura"))
        return value


class PrivacyRequestUpdateSerializer(InputSerializer):
    channel = serializers.CharField(max_length=50, allow_blank=True, required=False)


class ReasonSerializer(InputSerializer):
    reason = serializers.CharField(
        max_length=2000, error_messages={"blank": _("Indica el motivo"), "required": _("Indica el motivo")}
    )


class PrivacyRequestQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=PrivacyRequestStatus.choices, required=False)
    patientId = serializers.UUIDField(required=False)  # noqa: N815


class PrivacyRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PracticeGenericViewSet):
    """Filed, extended once, fulfilled as the kind means (409 with the legal reason where the law
    forbids it) or refused with a reason. The list is ordered by due date."""

    allowed_roles = ADMIN
    serializer_class = PrivacyRequestSerializer
    queryset = PrivacyRequest.objects.none()
    error_statuses = {"extend": (409,), "fulfill": (409,), "refuse": (409,)}

    def scoped_queryset(self, membership):
        return (
            PrivacyRequest.objects.filter(practice_id=membership.practice_id)
            .select_related("patient")
            .order_by("due_at", "id")
        )

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = PrivacyRequestQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        if params.validated_data.get("status"):
            queryset = queryset.filter(status=params.validated_data["status"])
        if params.validated_data.get("patientId"):
            queryset = queryset.filter(patient_id=params.validated_data["patientId"])
        return queryset

    def _out(self, request_, code=status.HTTP_200_OK):
        return Response(PrivacyRequestSerializer(self.get_queryset().get(pk=request_.pk)).data, status=code)

    @extend_schema(parameters=[PrivacyRequestQuerySerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PrivacyRequestInputSerializer, responses={201: PrivacyRequestSerializer})
    def create(self, request):
        data = PrivacyRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        patient = patient_scope(self.membership).filter(pk=values["patient_id"]).first()
        if patient is None:
            message = _("El paciente no existe en esta consulta")
            raise ValidationFailed(message, errors={"patientId": [str(message)]})
        filed = data_rights.request_file(
            membership=self.membership,
            patient=patient,
            kind=values["kind"],
            channel=values["channel"],
            received_at=values.get("received_at"),
        )
        return self._out(filed, status.HTTP_201_CREATED)

    @extend_schema(request=PrivacyRequestUpdateSerializer, responses={200: PrivacyRequestSerializer})
    def partial_update(self, request, pk=None):
        item = self.get_object()
        data = PrivacyRequestUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "channel" in data.validated_data:  # every field is optional: {} changes nothing
            item.channel = data.validated_data["channel"]
            item.save(update_fields=["channel"])
        return self._out(item)

    @extend_schema(request=ReasonSerializer, responses={200: PrivacyRequestSerializer})
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        item = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(data_rights.request_extend(request=item, reason=data.validated_data["reason"]))

    @extend_schema(request=None, responses={200: PrivacyRequestSerializer})
    @action(detail=True, methods=["post"])
    def fulfill(self, request, pk=None):
        return self._out(data_rights.request_fulfill(request=self.get_object(), membership=self.membership))

    @extend_schema(request=ReasonSerializer, responses={200: PrivacyRequestSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        item = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._out(
            data_rights.request_refuse(request=item, membership=self.membership, reason=data.validated_data["reason"])
        )
