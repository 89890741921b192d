"""The list envelope of api-contract §1: {data, pagination {page, limit, total, totalPages}}.

`page` and `limit` are validated as the schema declares them (1 ≤ page ≤ MAX_PAGE, 1 ≤ limit ≤ 100):
anything else is a 400 with field errors, never a silent fallback. A page past the last one is an
empty page (200), so a client that deletes the last row of the last page does not get an error."""

import copy
import math

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from sessai.api.serializers import QuerySerializer

MAX_PAGE = 100_000
MAX_LIMIT = 100
PAGE_HELP = _("Número de página (desde 1).")
LIMIT_HELP = _("Elementos por página (1 a 100).")


class PageQuerySerializer(QuerySerializer):
    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, required=False, default=1, help_text=PAGE_HELP)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, required=False, default=25, help_text=LIMIT_HELP)


def page_params(query_params, *, default_limit: int = 25) -> tuple[int, int]:
    """`(page, limit)` from the query string, or a 400 with field errors."""
    params = PageQuerySerializer(data={k: query_params[k] for k in ("page", "limit") if k in query_params})
    params.is_valid(raise_exception=True)
    limit = params.validated_data["limit"] if "limit" in query_params else default_limit
    return params.validated_data["page"], limit


def pagination_meta(*, page: int, limit: int, total: int) -> dict:
    return {"page": page, "limit": limit, "total": total, "total_pages": max(1, math.ceil(total / limit))}


def whole_list_meta(total: int) -> dict:
    """`pagination` of a whole list (`WholeListPagination`: one page holding all `total` items),
    already in the wire's keys, for answers built in wire shape (the calendar window)."""
    return {"page": 1, "limit": total, "total": total, "totalPages": 1}


PAGINATION_SCHEMA = {
    "type": "object",
    "required": ["page", "limit", "total", "total_pages"],
    "properties": {
        "page": {"type": "integer", "format": "int32", "minimum": 1},
        "limit": {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_LIMIT},
        "total": {"type": "integer", "format": "int64", "minimum": 0},
        "total_pages": {"type": "integer", "format": "int32", "minimum": 1},
    },
}


class PagePagination(BasePagination):
    page_size = 25

    def paginate_queryset(self, queryset, request, view=None):
        self.page_number, self.limit = page_params(request.query_params, default_limit=self.page_size)
        paginator = Paginator(queryset, self.limit)
        self.total = paginator.count
        if self.page_number > paginator.num_pages:
            return []
        return list(paginator.page(self.page_number).object_list)

    def get_paginated_response(self, data):
        return Response(
            {"data": data, "pagination": pagination_meta(page=self.page_number, limit=self.limit, total=self.total)}
        )

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": str(PAGE_HELP),
                "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            },
            {
                "name": "limit",
                "required": False,
                "in": "query",
                "description": str(LIMIT_HELP),
                "schema": {
                    "type": "integer",
                    "format": "int32",
                    "minimum": 1,
                    "maximum": MAX_LIMIT,
                    "default": self.page_size,
                },
            },
        ]

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {"data": schema, "pagination": copy.deepcopy(PAGINATION_SCHEMA)},
        }


class WholeListPagination(PagePagination):
    """The list envelope around a list that is never cut into pages (the calendar window, already
    bounded by its date range): `pagination` is always page 1 of 1, and the operation declares
    no `page` or `limit`, which it would ignore."""

    def get_schema_operation_parameters(self, view):
        return []

    def get_paginated_response_schema(self, schema):
        envelope = super().get_paginated_response_schema(schema)
        # one page holding the whole list: `limit` is its length (0 for an empty window, and
        # thousands for a practice's week), not a page size
        envelope["properties"]["pagination"]["properties"]["limit"] = {
            "type": "integer",
            "format": "int32",
            "minimum": 0,
            "description": str(_("El largo de la lista completa (= total)")),
        }
        return envelope
