from rest_framework import serializers

from billing.choices import EntryKind, Operation, Tier


class HistoryItemSerializer(serializers.Serializer):
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


class SummarySerializer(serializers.Serializer):
    plan_details = serializers.DictField(allow_null=True)
    credit_usage = serializers.DictField()
    average_cost = serializers.DictField()


class DailyQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, required=False, default=30)


class HistoryQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, required=False, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=100, required=False, default=25)


class DailyPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    credits = serializers.FloatField()


class HistoryPageSerializer(serializers.Serializer):
    history = HistoryItemSerializer(many=True)
    pagination = serializers.DictField(child=serializers.IntegerField())
