"""The list envelope of api-contract §1: {data, pagination {page, limit, total, totalPages}}."""

import math

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class PagePagination(PageNumberPagination):
    page_size = 25
    page_query_param = "page"
    page_size_query_param = "limit"
    max_page_size = 100
    invalid_page_message = _("Página inválida.")

    def get_paginated_response(self, data):
        total = self.page.paginator.count
        limit = self.page.paginator.per_page
        return Response(
            {
                "data": data,
                "pagination": {
                    "page": self.page.number,
                    "limit": limit,
                    "total": total,
                    "total_pages": max(1, math.ceil(total / limit)) if limit else 1,
                },
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": schema,
                "pagination": {
                    "type": "object",
                    "properties": {
                        "page": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "total": {"type": "integer"},
                        "total_pages": {"type": "integer"},
                    },
                },
            },
        }
