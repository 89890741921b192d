"""The error envelope, languages, schema and health probes of api-contract §1."""

import os
import subprocess
import sys
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError

from sessai.settings.base import DEV_DATABASE_APP_PASSWORD, DEV_SECRET_KEY

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_json_404(api):
    for method in ("get", "post", "delete"):
        response = getattr(api, method)("/api/no-existe")
        assert response.status_code == 404
        assert response.json() == {"message": "No encontrado", "code": "not_found"}


def test_wrong_method_is_json_405(as_admin):
    response = as_admin.delete("/api/admin/users/stats")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_malformed_json_is_400(api):
    response = api.post("/api/auth/login", data="{mal", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_unsupported_media_type(api):
    response = api.post("/api/auth/login", data="email=x", content_type="text/plain")
    assert response.status_code == 415 and response.json()["message"]


def test_english_on_request(api):
    response = api.post(
        "/api/auth/login", {"email": "x@y.cl", "password": "nada12345"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["message"] == "Invalid credentials"
    response = api.post("/api/auth/login", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["errors"]["email"] == ["Email is required"]
    assert api.get("/api/nada", HTTP_ACCEPT_LANGUAGE="en").json()["message"] == "Not found"


def test_spanish_by_default(api):
    response = api.post("/api/auth/login", {}, format="json")
    assert response.json()["errors"]["email"] == ["El email es requerido"]


def test_unexpected_error_is_json_500_without_traceback(api, therapist_member):
    api.raise_request_exception = False
    with mock.patch("accounts.services.user_login", side_effect=RuntimeError("secreto interno")):
        response = api.post("/api/auth/login", {"email": "a@b.cl", "password": "x"}, format="json")
    assert response.status_code == 500
    assert response.json() == {"message": "Error interno del servidor", "code": "server_error"}
    assert "secreto" not in response.content.decode()


def test_schema_is_camel_case_and_docs_render(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "accessToken" in text and "access_token" not in text
    assert "isEmailVerified" in text and "rememberMe" in text
    assert api.get("/api/docs/").status_code == 200


def test_health_and_readiness(api):
    assert api.get("/api/health").json() == {"status": "ok"}
    ready = api.get("/api/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "cache": "ok", "storage": "ok"}


def test_readiness_fails_when_the_database_is_down(api):
    with mock.patch("sessai.api.health._check_database", side_effect=OperationalError("down")):
        response = api.get("/api/health/ready")
    assert response.status_code == 503 and response.json()["checks"]["database"] == "error"


def test_cors_allows_the_ui_origin(api):
    response = api.options(
        "/api/auth/login", HTTP_ORIGIN="http://localhost:3000", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    other = api.options("/api/auth/login", HTTP_ORIGIN="http://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in other


def _import_settings(module: str, **env) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DATABASE_URL": "postgres://u@127.0.0.1:1/none",
        "DATABASE_APP_PASSWORD": "private-app-password",
        **env,
    }
    environment.pop("SECRET_KEY", None) if "SECRET_KEY" not in env else None
    code = f"import importlib; importlib.import_module('{module}'); print('loaded')"
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60)


def test_production_refuses_dev_or_missing_secret_key():
    missing = _import_settings("sessai.settings.prod", DEBUG="false")
    assert missing.returncode != 0 and "SECRET_KEY" in missing.stderr
    dev = _import_settings("sessai.settings.prod", DEBUG="false", SECRET_KEY=DEV_SECRET_KEY)
    assert dev.returncode != 0
    ok = _import_settings("sessai.settings.prod", DEBUG="false", SECRET_KEY="k" * 50)
    assert ok.returncode == 0 and "loaded" in ok.stdout


def test_production_refuses_the_dev_database_password_or_no_application_role():
    key = "k" * 50
    dev = _import_settings(
        "sessai.settings.prod", DEBUG="false", SECRET_KEY=key, DATABASE_APP_PASSWORD=DEV_DATABASE_APP_PASSWORD
    )
    assert dev.returncode != 0 and "DATABASE_APP_PASSWORD" in dev.stderr
    owner = _import_settings("sessai.settings.prod", DEBUG="false", SECRET_KEY=key, DATABASE_APP_USER="")
    assert owner.returncode != 0 and "DATABASE_APP_USER" in owner.stderr
    # a host given the application role's own URL holds no owner password, and no second one
    own = _import_settings(
        "sessai.settings.prod",
        DEBUG="false",
        SECRET_KEY=key,
        DATABASE_URL="postgres://sessai_app:secret@db:5432/sessai",
        DATABASE_APP_PASSWORD=DEV_DATABASE_APP_PASSWORD,
    )
    assert own.returncode == 0 and "loaded" in own.stdout


def test_migrations_are_complete():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
