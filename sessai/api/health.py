"""Liveness and readiness probes for load balancers and PaaS health checks."""

import logging
import uuid

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from sessai.api.views import PublicAPIView

logger = logging.getLogger("sessai.health")

HealthSerializer = inline_serializer(
    "Health",
    {"status": serializers.CharField(), "checks": serializers.DictField(child=serializers.CharField(), required=False)},
)


class HealthView(PublicAPIView):
    """Liveness: the process answers. Touches nothing else."""

    @extend_schema(responses={200: HealthSerializer})
    def get(self, request):
        return Response({"status": "ok"})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value written")
    cache.delete(key)


def _check_storage():
    default_storage.exists("health-check-probe")


class ReadyView(PublicAPIView):
    """Readiness: database, cache and storage answer. 503 with the failing parts otherwise."""

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer})
    def get(self, request):
        checks = {}
        for name, probe in (("database", _check_database), ("cache", _check_cache), ("storage", _check_storage)):
            try:
                probe()
                checks[name] = "ok"
            except Exception as exc:  # any failure means not ready; the reason goes to the log
                logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
                checks[name] = "error"
        ready = all(value == "ok" for value in checks.values())
        return Response({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


class NotFoundView(PublicAPIView):
    """Any unknown path under /api/ answers the JSON 404 envelope, whatever the method."""

    schema = None

    def _not_found(self, request, *args, **kwargs):
        raise NotFound()

    get = post = put = patch = delete = _not_found
