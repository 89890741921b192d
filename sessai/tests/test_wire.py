"""The one output mechanism (sessai.api.wire): serializers emit camelCase keys themselves, the
renderer encodes with orjson, and what a client reads is byte-for-byte what the previous renderer
(djangorestframework-camel-case's walk, then DRF's json encoder) wrote."""

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from djangorestframework_camel_case.util import camelize_re
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from sessai.api.renderers import JSONRenderer
from sessai.api.wire import WireDict, WireSerializer, camel, to_wire
from sessai.tests.test_bola_matrix import victim  # noqa: F401


class Inner(WireSerializer):
    zip_code = serializers.CharField()
    created_at = serializers.DateTimeField()


class Outer(WireSerializer):
    patient_id = serializers.UUIDField()
    total_credits = serializers.DecimalField(max_digits=8, decimal_places=1)
    first_session_date = serializers.DateField()
    address = Inner()
    visits = Inner(many=True)
    extra_data = serializers.DictField()
    phq9_score = serializers.IntegerField()
    label = serializers.SerializerMethodField()

    def get_label(self, obj) -> str:
        return gettext_lazy("Paciente")


def _sample():
    moment = datetime(2026, 12, 3, 14, 5, 6, 789123, tzinfo=UTC)
    inner = {"zip_code": "7500000", "created_at": moment}
    return {
        "patient_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "total_credits": Decimal("12.5"),
        "first_session_date": date(2026, 1, 2),
        "address": inner,
        "visits": [inner, inner],
        "extra_data": {"nested_key": [{"deep_key": time(9, 30)}], "already": 1},
        "phq9_score": 9,
    }


def test_keys_are_camelized_as_the_request_parser_expects():
    assert camel("created_at") == "createdAt" and camel("phq9_score") == "phq9Score" and camel("a_1") == "a1"
    assert camel("plain") == "plain"


def test_the_wire_output_equals_the_previous_renderers():
    data = Outer(_sample()).data
    assert type(dict(data)) is dict and isinstance(Outer().to_representation(_sample()), WireDict)
    envelope = {
        "data": [data, data],
        "pagination": {"total_pages": 1, "current_page": 1},
        "message": gettext_lazy("Listo"),
    }
    ours = JSONRenderer().render(envelope)
    old = CamelCaseJSONRenderer().render(envelope)
    assert json.loads(ours) == json.loads(old)
    assert ours == json.dumps(json.loads(old), ensure_ascii=False, separators=(",", ":")).encode()  # byte-for-byte
    assert (
        b'"zipCode"' in ours
        and b'"nestedKey"' in ours
        and b'"deepKey"' in ours
        and b"_" not in ours.replace(b"_code", b"")
    )


def test_values_orjson_cannot_write_go_through_drfs_encoder():
    rendered = JSONRenderer().render(
        {
            "at": datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
            "amount": Decimal("1.5"),
            "on": date(2026, 1, 1),
            "lazy": gettext_lazy("Paciente"),
            "ids": {uuid.UUID(int=1)},
        }
    )
    assert json.loads(rendered) == {
        "at": "2026-01-01T12:00:00Z",
        "amount": 1.5,
        "on": "2026-01-01",
        "lazy": "Paciente",
        "ids": ["00000000-0000-0000-0000-000000000001"],
    }
    assert to_wire(None) is None and JSONRenderer().render(None) == b""


def _snake_keys(value, path="") -> list[str]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if camelize_re.search(key):
                found.append(f"{path}.{key}")
            found += _snake_keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            found += _snake_keys(item, path)
    return found


def test_no_answer_of_the_api_has_a_snake_case_key(as_admin, victim):  # noqa: F811
    """Every GET without path parameters, on a practice with one of everything: the keys are
    camelCase all the way down, as the walk used to make them."""
    today = timezone.localdate()
    query_for = {
        "/api/sessions": {"start": str(today - timedelta(days=7)), "end": str(today + timedelta(days=7))},
        "/api/patients/search": {"q": "Pac"},
    }
    spec = SchemaGenerator().get_schema(request=None, public=True)
    checked = 0
    for path, item in spec["paths"].items():
        if "get" not in item or "{" in path:
            continue
        answer = as_admin.get(path, query_for.get(path, {}))
        if answer.status_code != 200 or not answer["Content-Type"].startswith("application/json"):
            continue
        assert _snake_keys(answer.json()) == [], path
        checked += 1
    assert checked >= 20
