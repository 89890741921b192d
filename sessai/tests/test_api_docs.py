"""The API description is written for people and for the linters API teams run (issue 19):
every operation summarised, described and tagged; rate limits stated in headers the server sends.
`make lint-api` runs the linters themselves; these tests keep the parts Python owns honest."""

import io
import re
from unittest import mock

import pytest
from drf_spectacular.generators import SchemaGenerator

from sessai.api.operations import TAGS, documented_operations

LOGIN = "/api/auth/login"


@pytest.fixture(scope="module")
def spec(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_has_a_summary_a_description_and_a_declared_tag(spec):
    declared = {tag["name"]: tag.get("description") for tag in spec["tags"]}
    assert all(declared.values()), "every tag has a description"
    assert set(declared) <= {tag["name"] for tag in TAGS}
    for name, operation in _operations(spec):
        assert operation.get("summary"), f"{name}: no summary"
        assert len(operation.get("description", "")) > len(operation["summary"]) / 2, f"{name}: no description"
        assert operation["tags"] and set(operation["tags"]) <= set(declared), f"{name}: undeclared tag"


def test_the_operations_table_has_exactly_the_schemas_operations(spec):
    """A new view without an entry in sessai/api/operations.py fails here; so does a stale entry."""
    in_schema = {operation["operationId"] for _, operation in _operations(spec)}
    assert in_schema - documented_operations() == set(), "operations without an entry"
    assert documented_operations() - in_schema == set(), "entries naming no operation"


def test_info_names_contact_license_and_the_servers_environment(spec):
    assert spec["info"]["contact"]["email"] and spec["info"]["license"]["name"]
    assert spec["servers"] == [{"url": "/", "description": "Este servidor (local)", "x-internal": False}]


def test_rate_limited_operations_declare_the_ietf_headers_on_every_answer(spec):
    limited = [(name, operation) for name, operation in _operations(spec) if "429" in operation["responses"]]
    assert {"POST /api/auth/login", "POST /api/ai/reports/generate", "POST /api/sessions/{id}/attachments"} <= {
        n for n, _ in limited
    }
    for name, operation in limited:
        for status, response in operation["responses"].items():
            if status.startswith(("2", "4")):
                assert {"RateLimit", "RateLimit-Policy"} <= set(response.get("headers", {})), f"{name} {status}"
        assert "Retry-After" in operation["responses"]["429"]["headers"]
    unlimited = [operation for name, operation in _operations(spec) if "429" not in operation["responses"]]
    assert unlimited and not any(
        "RateLimit" in r.get("headers", {}) for o in unlimited for r in o["responses"].values()
    )


def _standing(header: str) -> dict:
    """`"login_ip";r=19;t=42, "login_account";r=4;t=42` → {"login_ip": {"r": 19, "t": 42}, ...}."""
    items = {}
    for item in header.split(", "):
        name, *params = item.split(";")
        items[name.strip('"')] = {key: int(value) for key, value in (param.split("=") for param in params)}
    return items


def test_a_limited_operation_tells_the_caller_where_it_stands(api, therapist_member, settings):
    settings.RATELIMITS = {
        **settings.RATELIMITS,
        "login_ip": "20/m",
        "login_account": "3/m",
        "login_account_hour": "20/h",
    }
    body = {"email": therapist_member.user.email, "password": "equivocada1"}
    with mock.patch("django_ratelimit.core.time.time", return_value=1_800_000_000):  # one window for all four
        answers = [api.post(LOGIN, body, format="json") for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert _standing(answers[0]["RateLimit-Policy"]) == {
        "login_ip": {"q": 20, "w": 60},
        "login_account": {"q": 3, "w": 60},
        "login_account_hour": {"q": 20, "w": 3600},
    }
    remaining = [_standing(a["RateLimit"])["login_account"]["r"] for a in answers]
    assert remaining == [2, 1, 0, 0]
    assert [_standing(a["RateLimit"])["login_ip"]["r"] for a in answers] == [19, 18, 17, 16]
    resets = {_standing(a["RateLimit"])["login_account"]["t"] for a in answers}
    assert len(resets) == 1 and 0 <= resets.pop() <= 60 and int(answers[-1]["Retry-After"]) >= 1


def test_reads_and_unlimited_writes_send_no_rate_limit_fields(as_therapist):
    answer = as_therapist.get("/api/patients")
    assert answer.status_code == 200 and "RateLimit" not in answer and "RateLimit-Policy" not in answer


def test_a_malformed_idempotency_key_is_a_400_naming_the_header(as_therapist, settings):
    settings.GEMINI_API_KEY = ""
    body = {"unstructuredNotes": "Paciente refiere mejor ánimo."}
    for key in ("x" * 201, "con espacio", "ñandú"):
        answer = as_therapist.post("/api/ai/documentation/process", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert answer.status_code == 400, key
        assert set(answer.json()["errors"]) == {"Idempotency-Key"}
        assert "200" in answer.json()["message"]


def test_more_ordering_terms_than_fields_is_a_400(as_admin):
    answer = as_admin.get("/api/patients?ordering=name,-createdAt,lastSessionDate,name")
    assert answer.status_code == 400
    assert answer.json()["errors"]["ordering"] == ["Como máximo 3 criterios de orden."]
    assert as_admin.get("/api/patients?ordering=name,-createdAt,lastSessionDate").status_code == 200


def test_a_photo_over_the_limit_is_413_before_it_is_read(as_therapist, settings):
    settings.PROFILE_PHOTO_MAX_BYTES = 1024
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 2000)
    upload.name = "foto.png"
    answer = as_therapist.post("/api/auth/profile/photo", {"photo": upload}, format="multipart")
    assert answer.status_code == 413
    assert answer.json()["code"] == "file_too_large"
    assert re.fullmatch(r"El archivo supera el tamaño máximo de 1,0\sKB", answer.json()["errors"]["photo"][0])
