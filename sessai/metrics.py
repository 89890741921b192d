"""Prometheus metrics at /metrics (django-prometheus: latency by view, status counts, database
queries) plus SessAI's own counters, readable only with `Authorization: Bearer $METRICS_TOKEN`."""

import hmac

from django.conf import settings
from django.http import HttpResponse
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import Counter

AI_CALLS = Counter("sessai_ai_calls_total", "AI provider calls", ["operation", "model", "outcome"])
CREDITS_USED = Counter("sessai_credits_used_total", "Credits charged for AI usage", ["operation"])


def metrics_view(request):
    token = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    if not token:
        return HttpResponse(status=404)  # disabled until a token is configured
    if not hmac.compare_digest(given.encode(), token.encode()):
        response = HttpResponse("unauthorized", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return ExportToDjangoView(request)
