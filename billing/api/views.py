"""`/api/admin/billing/*`: what the billing page shows (admins only)."""

import math

from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from billing import selectors
from billing.api import serializers as s
from sessai import csvfile
from sessai.api.permissions import ADMIN
from sessai.api.views import PracticeAPIView


class BillingSummaryView(PracticeAPIView):
    allowed_roles = ADMIN

    @extend_schema(responses={200: s.SummarySerializer})
    def get(self, request):
        return Response(selectors.billing_summary(practice=self.practice))


class BillingHistoryView(PracticeAPIView):
    """`{history: [...], pagination: {currentPage, totalPages, totalItems}}` (api-contract §3): the
    consumption history by default; `?kind=grant` (or another kind) or `?kind=all` for the rest."""

    allowed_roles = ADMIN

    @extend_schema(parameters=[s.HistoryQuerySerializer], responses={200: s.HistoryPageSerializer})
    def get(self, request):
        params = s.HistoryQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page, limit = params.validated_data["page"], params.validated_data["limit"]
        entries = selectors.ledger_history(practice=self.practice, kinds=params.validated_data["kind"])
        total = entries.count()
        rows = entries[(page - 1) * limit : page * limit]
        return Response(
            {
                "history": s.HistoryItemSerializer(rows, many=True).data,
                "pagination": {
                    "current_page": page,
                    "total_pages": max(1, math.ceil(total / limit)),
                    "total_items": total,
                },
            }
        )


class BillingDailyView(PracticeAPIView):
    """`[{date, credits}]` for the last `days` days (30 by default), zero-filled."""

    allowed_roles = ADMIN

    @extend_schema(parameters=[s.DailyQuerySerializer], responses={200: s.DailyPointSerializer(many=True)})
    def get(self, request):
        params = s.DailyQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        points = selectors.daily_usage(practice=self.practice, days=params.validated_data["days"])
        return Response([{"date": p["date"], "credits": float(p["credits"])} for p in points])


class BillingHistoryCsvView(PracticeAPIView):
    """The whole history as CSV (the chart's "Exportar"), streamed row by row."""

    allowed_roles = ADMIN

    @extend_schema(responses={(200, "text/csv"): bytes})
    def get(self, request):
        writer = csvfile.writer()
        serializer = s.HistoryItemSerializer()

        def rows():
            yield "\ufeff" + writer.writerow(
                ["id", "fecha", "tipo", "movimiento", "modelo", "creditos", "paciente", "informe", "motivo"]
            )
            for entry in selectors.ledger_history(practice=self.practice).iterator(chunk_size=500):
                yield writer.writerow(
                    [
                        entry.id,
                        entry.created_at.isoformat(),
                        serializer.get_type(entry),
                        entry.kind,
                        serializer.get_model(entry),
                        f"{abs(entry.amount):.1f}",
                        entry.patient_id or "",
                        entry.report_id or "",
                        entry.reason,
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="sessai-creditos.csv"'
        return response
