from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from billing.choices import VISIBLE_KINDS, EntryKind, Operation, Tier
from sessai.api.pagination import PageQuerySerializer
from sessai.api.serializers import QuerySerializer
from sessai.api.wire import WireSerializer


class HistoryItemSerializer(WireSerializer):
    """A history row as the billing page shows it: credits are positive amounts; `kind` says
    whether they were used or added."""

    id = serializers.UUIDField()
    date = serializers.DateTimeField(source="created_at")
    type = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    model = serializers.SerializerMethodField()
    model_id = serializers.CharField(source="model")
    credits = serializers.SerializerMethodField()
    patient_id = serializers.UUIDField(allow_null=True)
    report_id = serializers.UUIDField(allow_null=True)
    reason = serializers.CharField()

    def get_type(self, entry) -> str:
        if entry.kind == EntryKind.USAGE and entry.operation:
            return str(Operation(entry.operation).label)
        return str(EntryKind(entry.kind).label)

    def get_model(self, entry) -> str:
        return str(Tier(entry.tier).label) if entry.tier in Tier.values else entry.model

    def get_credits(self, entry) -> float:
        return float(abs(entry.amount))


class PlanDetailsSerializer(WireSerializer):
    name = serializers.CharField()
    price = serializers.FloatField(help_text=_("Precio mensual en USD."))
    credits_per_month = serializers.FloatField()
    renewal_date = serializers.DateField()
    is_trial = serializers.BooleanField()


class CreditUsageSerializer(WireSerializer):
    used = serializers.FloatField()
    total = serializers.FloatField()
    remaining = serializers.FloatField()


class AverageCostSerializer(WireSerializer):
    per_session = serializers.FloatField()


class SummarySerializer(WireSerializer):
    plan_details = PlanDetailsSerializer(allow_null=True, help_text=_("null si la consulta no tiene suscripción."))
    credit_usage = CreditUsageSerializer()
    average_cost = AverageCostSerializer()


class DailyQuerySerializer(QuerySerializer):
    days = serializers.IntegerField(min_value=1, max_value=365, required=False, default=30)


HISTORY_ALL = "all"


class HistoryQuerySerializer(PageQuerySerializer):
    kind = serializers.ChoiceField(
        choices=[*[(kind.value, kind.label) for kind in VISIBLE_KINDS], (HISTORY_ALL, HISTORY_ALL)],
        required=False,
        default=EntryKind.USAGE,
        help_text=_("`usage` (por defecto: el historial de consumo), otro tipo de movimiento, o `all`."),
    )

    def validate_kind(self, value):
        return list(VISIBLE_KINDS) if value == HISTORY_ALL else [value]


class DailyPointSerializer(WireSerializer):
    date = serializers.DateField()
    credits = serializers.FloatField()


class HistoryPaginationSerializer(WireSerializer):
    current_page = serializers.IntegerField()
    total_pages = serializers.IntegerField()
    total_items = serializers.IntegerField()


class HistoryPageSerializer(WireSerializer):
    history = HistoryItemSerializer(many=True)
    pagination = HistoryPaginationSerializer()
