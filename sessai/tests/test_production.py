"""Production readiness: security headers, deploy checks, request limits, rate-limit windows,
structured logs with request ids and no secrets, metrics behind a credential, caching."""

import csv
import io
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from pythonjsonlogger.json import JsonFormatter

from accounts.choices import Role
from accounts.tests.factories import PASSWORD, MembershipFactory, login_tokens
from ai_reports.models import AIModelPrice
from ai_reports.services import price_for
from billing.services import subscription_start
from sessai.metrics import AI_CALLS
from sessai.sentry import scrub_event
from sessai.settings.base import LOGGING

pytestmark = pytest.mark.django_db


# --- Headers --------------------------------------------------------------------------------


def test_security_headers_on_api_and_server_rendered_pages(api, client):
    for response in (api.get("/api/health"), client.get("/admin/login/"), client.get("/api/docs/")):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    for page in (client.get("/admin/login/"), client.get("/api/docs/")):
        csp = page["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    for url in ("/api/docs/", "/api/redoc/"):
        docs = client.get(url)
        assert docs.status_code == 200 and "script-src 'self'" in docs["Content-Security-Policy"]
        html = docs.content.decode()
        assert "<script>" not in html.replace(" ", "")  # no inline script: the docs work under the CSP
        assert "googleapis" not in html and "cdn" not in html  # served from here: offline too
        for src in re.findall(r'<script src="([^"]+)"', html):
            assert client.get(src).status_code == 200, src


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True)
def test_hsts_on_https(api):
    response = api.get("/api/health", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_cors_is_limited_to_configured_origins(api, settings):
    allowed = api.get("/api/health", HTTP_ORIGIN="http://localhost:3000")
    denied = api.get("/api/health", HTTP_ORIGIN="https://evil.example")
    assert allowed["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "Access-Control-Allow-Origin" not in denied
    exposed = {h.strip().lower() for h in allowed["Access-Control-Expose-Headers"].split(",")}
    assert {"x-request-id", "retry-after", "ratelimit", "ratelimit-policy", "content-disposition"} <= exposed


def test_check_deploy_with_production_settings_reports_nothing():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sessai.settings.prod",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "DATABASE_URL": "postgres://u@127.0.0.1:1/none",
        "DATABASE_APP_PASSWORD": secrets.token_urlsafe(20),
        "ALLOWED_HOSTS": "api.sessai.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- Limits ---------------------------------------------------------------------------------


def test_oversized_requests_are_413(api, settings):
    settings.MAX_REQUEST_BYTES = 1000
    response = api.post("/api/auth/login", {"email": "a@b.cl", "password": "x" * 2000}, format="json")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_malformed_content_length_is_400_not_500(api):
    response = api.post("/api/auth/login", data="{}", content_type="application/json", HTTP_CONTENT_LENGTH="8o")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_rate_limit_window_resets(api, therapist_member, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "login_account": "2/m"}
    body = {"email": therapist_member.user.email, "password": "mala12345"}
    now = time.time()
    with mock.patch("django_ratelimit.core.time.time", return_value=now):
        api.post("/api/auth/login", body, format="json")
        api.post("/api/auth/login", body, format="json")
        blocked = api.post("/api/auth/login", {**body, "password": PASSWORD}, format="json")
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) <= 60
    with mock.patch("django_ratelimit.core.time.time", return_value=now + 61):
        assert api.post("/api/auth/login", {**body, "password": PASSWORD}, format="json").status_code == 200


def test_uploads_and_ai_are_rate_limited(as_therapist, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "upload_user": "1/h", "ai_user": "1/h"}
    from PIL import Image  # noqa: PLC0415 (heavy, loaded on first use)

    def photo():
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4)).save(buffer, "PNG")
        buffer.seek(0)
        buffer.name = "p.png"
        return buffer

    assert as_therapist.post("/api/auth/profile/photo", {"photo": photo()}, format="multipart").status_code == 200
    assert as_therapist.post("/api/auth/profile/photo", {"photo": photo()}, format="multipart").status_code == 429
    as_therapist.post("/api/ai/documentation/process", {"unstructuredNotes": "x"}, format="json")
    assert (
        as_therapist.post("/api/ai/documentation/process", {"unstructuredNotes": "x"}, format="json").status_code == 429
    )


# --- Logs -----------------------------------------------------------------------------------


@pytest.fixture
def json_log():
    """The console handler configured by settings, switched to JSON and captured."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    old_stream, old_formatter = handler.setStream(stream), handler.formatter
    spec = LOGGING["formatters"]["json"]
    handler.setFormatter(JsonFormatter(spec["fmt"], rename_fields=spec["rename_fields"]))
    yield stream
    handler.setStream(old_stream)
    handler.setFormatter(old_formatter)


def test_logs_are_json_with_request_id_and_caller_and_no_secrets(as_therapist, json_log):
    token = login_tokens(as_therapist.user)["access_token"]
    response = as_therapist.get("/api/sessions/00000000-0000-0000-0000-000000000000", HTTP_X_REQUEST_ID="req-abc-123")
    assert response["X-Request-ID"] == "req-abc-123"
    logging.getLogger("sessai.test").warning("refresh with Bearer %s and password=Secreta123 failed", token)
    lines = [json.loads(line) for line in json_log.getvalue().splitlines() if line.strip()]
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["request_id"] == "req-abc-123"
    assert not_found["user_id"] == str(as_therapist.user.id) and not_found["practice_id"] == str(
        as_therapist.membership.practice_id
    )
    text = json_log.getvalue()
    assert token not in text and "Secreta123" not in text and "[redactado]" in text


def test_a_request_id_is_created_when_none_is_sent(api):
    assert len(api.get("/api/health")["X-Request-ID"]) >= 32


# --- Metrics --------------------------------------------------------------------------------


def test_metrics_require_their_credential(client, api, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "m" * 32
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    api.get("/api/health")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {'m' * 32}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method" in body
    assert "django_http_responses_total_by_status_total" in body or "django_http_responses_total_by_status" in body
    assert "django_db_execute_total" in body and "sessai_ai_calls_total" in body


def test_ai_calls_are_counted(as_therapist, practice, settings):
    settings.GEMINI_API_KEY = ""
    subscription_start(practice=practice)
    before = AI_CALLS.labels("documentation", "offline", "ok")._value.get()
    as_therapist.post("/api/ai/documentation/process", {"unstructuredNotes": "Notas."}, format="json")
    assert AI_CALLS.labels("documentation", "offline", "ok")._value.get() == before + 1


# --- Caching --------------------------------------------------------------------------------


def test_therapist_list_is_cached_and_invalidated(as_assistant, practice):
    member = MembershipFactory(practice=practice, role=Role.THERAPIST)
    as_assistant.get("/api/therapists")
    with CaptureQueriesContext(connection) as queries:
        cached = as_assistant.get("/api/therapists").json()
    # Only authentication touches memberships (joined with the device session); the list itself
    # comes from the cache (a table without REDIS_URL, Redis with it).
    assert sum("accounts_membership" in q["sql"] for q in queries.captured_queries) == 1
    assert any(t["id"] == str(member.user_id) for t in cached)
    member.color = "#000000"
    member.save()
    member.user.name = "Nombre Nuevo"
    member.user.save(update_fields=["name"])
    fresh = {t["id"]: t for t in as_assistant.get("/api/therapists").json()}
    assert fresh[str(member.user_id)]["color"] == "#000000" and fresh[str(member.user_id)]["name"] == "Nombre Nuevo"


def test_calendar_settings_and_ai_tier_are_cached_and_invalidated(as_admin):
    as_admin.get("/api/admin/calendar/settings")
    as_admin.put("/api/admin/calendar/settings", {"showNotes": True}, format="json")
    assert as_admin.get("/api/admin/calendar/settings").json()["showNotes"] is True
    as_admin.get("/api/admin/ai/settings")
    as_admin.post("/api/admin/ai/settings", {"aiModel": "fast"}, format="json")
    assert as_admin.get("/api/admin/ai/settings").json()["aiModel"] == "fast"


def test_price_table_edits_reach_the_next_call(practice):
    assert price_for("fast").model_id == "gemini-2.5-flash-lite"
    row = AIModelPrice.objects.get(tier="fast")
    row.model_id = "gemini-3-flash-lite"
    row.save()
    assert price_for("fast").model_id == "gemini-3-flash-lite"


def test_audit_log_export(as_therapist, tmp_path):
    created = as_therapist.post("/api/patients", {"name": "Exportada", "notes": "Texto clínico"}, format="json").json()
    as_therapist.get(f"/api/patients/{created['id']}")
    target = tmp_path / "audit.csv"
    call_command("export_audit_log", "--since", "2020-01-01", "--output", str(target))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    mine = [r for r in rows if r["object_id"] == created["id"]]
    assert [r["action"] for r in mine] == ["create", "access"]
    assert mine[0]["actor_email"] == as_therapist.user.email and "notes" in mine[0]["changed_fields"]
    assert "Texto clínico" not in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("sent", ["x" * 5000, "a" * 65, "id con espacios", "<script>", "ñandú", "req.abc:1"])
def test_a_hostile_request_id_is_replaced_not_echoed(api, sent):
    answer = api.get("/api/health", HTTP_X_REQUEST_ID=sent)
    assert answer["X-Request-ID"] != sent and re.fullmatch(r"[0-9a-f]{32}", answer["X-Request-ID"])


def test_sentry_events_leave_without_query_strings_messages_or_clinical_text():
    token, note = "tok_" + "a" * 40, "La paciente relata ideación suicida"
    event = {
        "request": {
            "url": f"https://api.sessai.cl/api/attachments/1/download?token={token}",
            "query_string": f"token={token}",
            "data": {"content": note},
            "headers": {"Authorization": f"Bearer {token}"},
        },
        "exception": {
            "values": [
                {"type": "ValueError", "value": f"bad value {note}", "stacktrace": {"frames": [{"vars": {"n": note}}]}}
            ]
        },
        "breadcrumbs": {"values": [{"message": f"notes={note}", "data": {"url": f"/api/x?token={token}"}}]},
        "logentry": {"message": "failed for %s", "params": [note], "formatted": f"failed for {note}"},
    }
    text = json.dumps(scrub_event(event, {}))
    assert token not in text and note not in text
    assert '"type": "ValueError"' in text and "https://api.sessai.cl/api/attachments/1/download" in text


def test_the_access_log_writes_paths_without_query_strings():
    config = (Path(__file__).resolve().parents[2] / "gunicorn.conf.py").read_text()
    assert "%(r)s" not in config and "%(U)s" in config  # %(U)s is the path without the query string


def test_export_audit_log_refuses_an_inverted_period():
    with pytest.raises(CommandError, match="after --until"):
        call_command("export_audit_log", "--since", "2026-12-31", "--until", "2026-01-01")


def test_an_empty_upload_says_so_in_correct_spanish(as_therapist):
    empty = io.BytesIO(b"")
    empty.name = "foto.png"
    answer = as_therapist.post("/api/auth/profile/photo", {"photo": empty}, format="multipart")
    assert answer.status_code == 400 and answer.json()["errors"]["photo"] == ["El archivo enviado está vacío."]


def test_env_example_lists_every_variable_the_code_reads():
    root = Path(__file__).resolve().parents[2]
    code = "".join(
        (root / f).read_text()
        for f in ["gunicorn.conf.py", *[f"sessai/settings/{n}" for n in ("base.py", "prod.py", "dev.py")]]
    )
    read = set(re.findall(r"""env(?:_int|_bool|_list)?\(\s*["']([A-Z0-9_]+)["']""", code))
    read |= set(re.findall(r"""os\.environ\.get\(\s*["']([A-Z0-9_]+)["']""", code))
    listed = set(re.findall(r"^#?\s?([A-Z0-9_]+)=", (root / ".env.example").read_text(), re.M))
    assert read - listed == set()


def test_make_run_listens_on_this_machine_only():
    """DEBUG and demo data are not for the network: `make run` binds 127.0.0.1 unless HOST says."""
    root = Path(__file__).resolve().parents[2]
    assert re.search(r"^HOST\s*\?=\s*127\.0\.0\.1$", (root / "Makefile").read_text(), re.M)
    web = next(line for line in (root / "Procfile.dev").read_text().splitlines() if line.startswith("web:"))
    assert "${HOST:-127.0.0.1}:" in web and "0.0.0.0" not in web
