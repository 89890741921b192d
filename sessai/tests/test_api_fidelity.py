"""The API answers what its OpenAPI schema says, role by role, and what the UI reads
(issue 11; shared/ui-contract-gap.md)."""

import io
import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator, FormatChecker

from accounts.choices import Role
from accounts.tests.factories import MembershipFactory
from billing.services import subscription_start
from patients.models import Patient
from patients.tests.factories import patient_for
from scheduling.models import Session

# --- Every answer against its schema -----------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _template(spec, path: str) -> str:
    """The schema's path template a concrete path matches (`/api/patients/{id}`); literal paths
    (`/api/patients/search`) before templates."""
    if path in spec["paths"]:
        return path
    for template in spec["paths"]:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    raise AssertionError(f"{path} is not in the schema")


def json_schema(node):
    """OpenAPI 3.0 → JSON Schema as schemathesis reads it: `nullable: true` admits null beside the
    whole schema (allOf and $ref included)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: json_schema(value)
        for key, value in node.items()
        if key not in ("nullable", "readOnly", "writeOnly", "example")
    }
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") else out


def assert_matches_schema(spec, method: str, path: str, response) -> None:
    operation = spec["paths"][_template(spec, path)][method.lower()]
    documented = operation["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {path}: {status} not documented ({sorted(documented)})"
    content = documented[status].get("content", {})
    if "application/json" not in content:
        return
    schema = json_schema({**content["application/json"]["schema"], "components": spec["components"]})
    errors = sorted(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(response.json()), key=str)
    assert not errors, f"{method} {path} ({status}): " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )


@pytest.fixture
def clinic(practice, admin_member, therapist_member, assistant_member, settings, client_for):
    """A practice with a full record: completed and scheduled sessions, assessments, a signed
    record with an addendum and an attachment, a report, a colleague's patient."""
    settings.GEMINI_API_KEY = ""  # the offline provider
    subscription_start(practice=practice)
    therapist = client_for(therapist_member)
    patient = patient_for(therapist_member, name="Ana Rojas", birth_date=None, email="")
    colleague = MembershipFactory(practice=practice, role=Role.THERAPIST)
    theirs = patient_for(colleague, name="Pedro Soto")
    record = therapist.post(
        "/api/sessions",
        {
            "patientId": str(patient.id),
            "date": "2026-03-02",
            "startTime": "10:00",
            "status": "completed",
            "content": "<p>Ansiedad laboral</p>",
            "goals": ["Dormir mejor"],
        },
        format="json",
    ).json()
    therapist.post(f"/api/sessions/{record['id']}/assessments", {"type": "phq9", "items": [1] * 9}, format="json")
    therapist.post(f"/api/sessions/{record['id']}/assessments", {"type": "mood", "scale": 6}, format="json")
    pdf = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    pdf.name = "informe.pdf"
    therapist.post(f"/api/sessions/{record['id']}/attachments", {"file": pdf}, format="multipart")
    therapist.post(f"/api/sessions/{record['id']}/sign")
    therapist.post(f"/api/sessions/{record['id']}/addenda", {"content": "Corrección"}, format="json")
    therapist.post(
        "/api/sessions",
        {"patientId": str(patient.id), "date": "2030-01-07", "startTime": "09:00", "allowOutsideAvailability": True},
        format="json",
    )
    client_for(colleague).post(
        "/api/sessions",
        {"patientId": str(theirs.id), "date": "2030-01-07", "startTime": "11:00", "allowOutsideAvailability": True},
        format="json",
    )
    report = therapist.post(
        "/api/ai/reports/generate",
        {"patientId": str(patient.id), "startDate": "2026-03-01", "endDate": "2026-03-31"},
        format="json",
    )
    assert report.status_code == 200, report.json()
    return {"patient": patient, "theirs": theirs, "record": record["id"], "report": report.json()["reportId"]}


def _reads(clinic, admin_member) -> list[str]:
    p, r = clinic["patient"].id, clinic["record"]
    return [
        "/api/auth/profile",
        "/api/therapists",
        "/api/dashboard",
        "/api/patients",
        "/api/patients?search=ana",
        f"/api/patients/{p}",
        "/api/patients/search?q=ana",
        f"/api/patients/{p}/sessions",
        f"/api/patients/{p}/sessions?status=scheduled&status=completed",
        f"/api/patients/{p}/assessments",
        f"/api/patients/{p}/reports",
        f"/api/patients/{p}/export",
        f"/api/sessions/{r}",
        f"/api/sessions/{r}/attachments",
        "/api/sessions?start=2026-03-01&end=2026-03-31",
        "/api/sessions?start=2030-01-06&end=2030-01-13",
        f"/api/reports/{clinic['report']}",
        "/api/blocked-times",
        f"/api/admin/team/{admin_member.user_id}/schedule",
        f"/api/availability?therapistId={admin_member.user_id}&date=2030-01-07",
        "/api/admin/calendar/settings",
        "/api/calendar/feed",
        "/api/auth/sessions",
        "/api/auth/mfa",
        "/api/admin/team",
        f"/api/admin/team/{admin_member.user_id}",
        "/api/admin/users/stats",
        "/api/admin/billing/summary",
        "/api/admin/billing/history?kind=all",
        "/api/admin/billing/daily",
        "/api/admin/ai/settings",
        "/api/health",
    ]


@pytest.mark.parametrize("role", ["admin", "therapist", "assistant"])
def test_every_read_answers_its_documented_shape_for_every_role(role, request, clinic, admin_member, openapi):
    client = request.getfixturevalue(f"as_{role}")
    for path in _reads(clinic, admin_member):
        response = client.get(path)
        assert response.status_code in (200, 403), (path, response.status_code)
        assert_matches_schema(openapi, "GET", path.split("?")[0], response)


def test_writes_and_errors_answer_their_documented_shapes(as_therapist, as_assistant, clinic, openapi):
    p = clinic["patient"].id
    cases = [
        (
            as_therapist,
            "post",
            "/api/patients",
            {"name": "Luz", "rut": None, "email": None, "phone": None, "birthDate": ""},
        ),
        (as_therapist, "post", "/api/patients", {"name": ""}),
        (as_therapist, "patch", f"/api/patients/{p}", {"phone": None}),
        (
            as_therapist,
            "post",
            "/api/sessions",
            {
                "patientId": str(p),
                "date": "2030-01-08",
                "startTime": "09:00",
                "allowOutsideAvailability": True,
                "recurrence": {"frequency": "weekly", "count": 2},
            },
        ),
        (
            as_therapist,
            "post",
            "/api/sessions",
            {"patientId": str(p), "date": "2030-01-07", "startTime": "09:30"},
        ),  # 409
        (as_therapist, "patch", f"/api/sessions/{clinic['record']}", {"content": "<p>otra</p>"}),  # signed: 409
        (as_assistant, "get", f"/api/patients/{p}/sessions", None),  # 403
        (as_therapist, "get", f"/api/patients/{clinic['theirs'].id}", None),  # not in the care team: 404
        (as_therapist, "get", "/api/patients?page=0", None),  # 400
    ]
    for client, method, path, body in cases:
        response = (
            getattr(client, method)(path, body, format="json") if body is not None else getattr(client, method)(path)
        )
        assert_matches_schema(openapi, method, path.split("?")[0], response)


def test_every_operation_documents_the_errors_it_can_answer(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            secured = any(requirement for requirement in operation.get("security", []))
            if secured:
                assert {"401", "403"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert {"400", "415"} <= codes, (method, path)
            for code in codes - {"200", "201", "204"}:
                if code.startswith(("4", "5")):
                    schema = operation["responses"][code]["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_lists_are_documented_as_they_are_sent(openapi):
    def schema_of(path):
        return openapi["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]

    for path in (
        "/api/patients/{id}/sessions",
        "/api/patients/{id}/assessments",
        "/api/patients/{id}/reports",
        "/api/patients",
    ):
        assert schema_of(path)["$ref"].startswith("#/components/schemas/Paginated"), path
    assert schema_of("/api/sessions/{id}/attachments")["type"] == "array"
    assert schema_of("/api/dashboard") == {"$ref": "#/components/schemas/Dashboard"}
    session = openapi["components"]["schemas"]["Session"]
    assert {"notes", "content", "goals", "assessments", "attachments", "addenda", "title"} <= set(session["properties"])
    assert not {"notes", "title", "createdAt", "cancelReason"} & set(session["required"])
    page = next(p for p in openapi["paths"]["/api/patients"]["get"]["parameters"] if p["name"] == "page")
    limit = next(p for p in openapi["paths"]["/api/patients"]["get"]["parameters"] if p["name"] == "limit")
    assert (page["schema"]["minimum"], limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 1, 100)


# --- Inputs the schema allows are accepted; those it does not are a 400 ----------------------


def test_optional_fields_take_null_and_empty_alike(as_therapist):
    response = as_therapist.post(
        "/api/patients", {"name": "Ana", "rut": None, "email": None, "phone": None, "birthDate": ""}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rut"], body["email"], body["phone"], body["birthDate"]) == ("", "", "", None)
    again = as_therapist.patch(
        f"/api/patients/{body['id']}", {"email": "", "birthDate": None, "notes": None}, format="json"
    )
    assert again.status_code == 200 and again.json()["birthDate"] is None and again.json()["notes"] == ""


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-2214155",
        "page=146643702288761025945941074193741250560",
        "limit=0",
        "limit=101",
        "limit=abc",
        "page=1.5",
    ],
)
def test_page_and_limit_outside_their_bounds_are_400(as_admin, query):
    response = as_admin.get(f"/api/patients?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and set(response.json()["errors"]) & {"page", "limit"}


def test_billing_history_page_bounds_are_400_not_500(as_admin):
    assert (
        as_admin.get("/api/admin/billing/history?limit=33&page=146643702288761025945941074193741250560").status_code
        == 400
    )


def test_a_page_past_the_last_is_empty(as_admin):
    body = as_admin.get("/api/patients?page=9").json()
    assert body["data"] == [] and body["pagination"]["page"] == 9


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '[{"name": "x"}]',
        "null",
        "3",
        '"texto"',
        "[" * 10_000 + "]" * 10_000,
        '{"name": ' * 5_000 + "1" + "}" * 5_000,
    ],
)
@pytest.mark.parametrize("path", ["/api/patients", "/api/sessions", "/api/ai/reports/generate"])
def test_a_body_that_is_not_an_object_is_400(as_admin, path, body):
    before = Patient.objects.count(), Session.objects.count()
    response = as_admin.generic("POST", path, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    assert (Patient.objects.count(), Session.objects.count()) == before


@pytest.mark.parametrize(
    "query", ["therapistId=", "status=", "ordering=", "ordering=,,,", "ordering=name,", "ordering=-,"]
)
def test_an_empty_filter_value_is_400(as_admin, query):
    response = as_admin.get(f"/api/patients?{query}")
    assert response.status_code == 400 and response.json()["errors"]


def test_leaving_ordering_out_is_the_default_order(as_admin):
    assert as_admin.get("/api/patients").status_code == 200


def test_sub_resource_ids_must_be_uuids(as_therapist, clinic):
    zeros = "0" * 36
    for sub in ("assessments", "attachments"):
        assert as_therapist.delete(f"/api/sessions/{clinic['record']}/{sub}/{zeros}").status_code == 404


def test_json_is_the_only_body_format_besides_uploads(as_therapist):
    response = as_therapist.post("/api/patients", "name=Ana", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"


# --- What the UI reads (shared/ui-contract-gap.md, "ours to fix") -------------------------------


def test_team_members_embed_their_weekly_schedule(as_admin, therapist_member):
    as_admin.put(
        f"/api/admin/team/{therapist_member.user_id}/schedule",
        {"monday": {"start": "10:00", "end": "14:00", "available": True}},
        format="json",
    )
    members = {m["id"]: m for m in as_admin.get("/api/admin/team").json()["data"]}
    schedule = members[str(therapist_member.user_id)]["schedule"]
    assert schedule["monday"] == {"start": "10:00", "end": "14:00", "available": True}
    assert set(schedule) == {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    assert schedule == as_admin.get(f"/api/admin/team/{therapist_member.user_id}/schedule").json()


def test_profile_save_keeps_the_display_name(as_therapist):
    user = as_therapist.user
    user.name = "Dr. Ana Silva"
    user.save()
    saved = as_therapist.put("/api/profile", {"firstName": "Ana", "lastName": "Silva", "bio": "TCC"}, format="json")
    assert saved.status_code == 200 and saved.json()["name"] == "Dr. Ana Silva"


def test_patient_history_is_the_clinical_records_unless_asked(as_therapist, therapist_member, clinic):
    p = clinic["patient"]
    history = as_therapist.get(f"/api/patients/{p.id}/sessions").json()
    assert [s["status"] for s in history["data"]] == ["completed"]
    assert history["pagination"]["total"] == as_therapist.get(f"/api/patients/{p.id}").json()["totalSessions"]
    everything = as_therapist.get(f"/api/patients/{p.id}/sessions?status=completed&status=scheduled").json()
    assert sorted(s["status"] for s in everything["data"]) == ["completed", "scheduled"]
    assert as_therapist.get(f"/api/patients/{p.id}/sessions?status=done").status_code == 400


def test_dashboard_activity_has_patient_and_relative_time_in_the_practice_offset(as_therapist, clinic):
    activity = as_therapist.get("/api/dashboard").json()["recentActivity"]
    assert activity, "the clinic fixture books, records and reports"
    for item in activity:
        assert item["patient"] == item["patientName"]
        assert re.fullmatch(r"Hace (un momento|\d+\W\w+)", item["time"]), item["time"]
        assert item["at"].endswith(("-03:00", "-04:00")), item["at"]


def test_assistants_see_appointments_whole_but_no_clinical_field(as_assistant, clinic):
    events = as_assistant.get("/api/sessions?start=2030-01-06&end=2030-01-13").json()["data"]
    assert len(events) == 2
    for event in events:
        assert {"title", "location", "createdAt", "updatedAt", "cancelReason"} <= set(event)
        assert "notes" not in event
    record = as_assistant.get(f"/api/sessions/{clinic['record']}").json()
    assert not {"content", "notes", "goals", "assessments", "attachments", "addenda"} & set(record)
    assert record["title"] == "" and "createdAt" in record


def test_a_therapist_sees_a_colleagues_patient_as_name_and_time(as_therapist, clinic):
    events = as_therapist.get("/api/sessions?start=2030-01-06&end=2030-01-13").json()["data"]
    theirs = next(e for e in events if e["patientId"] == str(clinic["theirs"].id))
    assert "title" not in theirs and theirs["patientName"] == "Pedro Soto"


def test_cors_allows_idempotency_key_and_exposes_the_headers_a_client_reads(api, settings):
    preflight = api.options(
        "/api/ai/reports/generate",
        HTTP_ORIGIN="http://localhost:3000",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="idempotency-key, authorization",
    )
    assert "idempotency-key" in preflight["Access-Control-Allow-Headers"].lower()
    answer = api.get("/api/health", HTTP_ORIGIN="http://localhost:3000")
    exposed = {h.strip().lower() for h in answer["Access-Control-Expose-Headers"].split(",")}
    assert {"retry-after", "content-disposition", "x-request-id"} <= exposed


# --- Language -----------------------------------------------------------------------------------


def test_a_signed_in_users_language_beats_accept_language(as_therapist, therapist_member):
    profile = therapist_member.user.profile
    profile.language = "en"
    profile.save()
    response = as_therapist.post("/api/patients", {"name": ""}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400 and response.json()["errors"]["name"] == ["Please enter the patient's name."]
    assert response["Content-Language"] == "en"
    profile.language = "es"
    profile.save()
    spanish = as_therapist.post("/api/patients", {"name": ""}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert spanish.json()["errors"]["name"] == ["Por favor ingresa el nombre del paciente."]


def test_anonymous_requests_follow_accept_language_spanish_by_default(api, db):
    assert (
        api.post("/api/auth/login", {"email": "x@x.cl", "password": "no"}, format="json").json()["message"]
        == "Credenciales inválidas"
    )
    english = api.post(
        "/api/auth/login", {"email": "x@x.cl", "password": "no"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["message"] == "Invalid credentials"


def test_dashboard_relative_time_speaks_the_users_language(as_therapist, therapist_member, clinic):
    profile = therapist_member.user.profile
    profile.language = "en"
    profile.save()
    times = [a["time"] for a in as_therapist.get("/api/dashboard").json()["recentActivity"]]
    assert times and all(re.fullmatch(r"(Just now|\d+\W\w+ ago)", t) for t in times), times


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/api/patients", {"name": "Ana", "notes": 0}, "notes"),
        ("/api/patients", {"name": 5}, "name"),
        ("/api/patients", {"name": "Ana", "therapistIds": [1]}, "therapistIds"),
        ("/api/admin/calendar/settings", {"patientReminders": 0}, "patientReminders"),
        ("/api/admin/team", {"name": "Ana", "email": "ana@x.cl", "specialty": 0}, "specialty"),
        (
            "/api/sessions",
            {
                "patientId": "6f1c0a52-5d6e-4a8e-9d55-0b8e2d1f3a10",
                "date": "2030-01-07",
                "startTime": "09:00",
                "duration": "60",
            },
            "duration",
        ),
    ],
)
def test_json_values_of_the_wrong_type_are_400_not_coerced(as_admin, path, body, field):
    method = as_admin.patch if path.endswith("settings") else as_admin.post
    response = method(path, body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.json()


@pytest.mark.parametrize(
    "query",
    [
        "/api/admin/billing/history?kind=",
        "/api/admin/billing/daily?days=",
        "/api/sessions?start=2030-01-01&end=2030-01-02&type=",
        "/api/availability?therapistId=&date=2030-01-07",
    ],
)
def test_an_empty_query_value_is_400(as_admin, query):
    response = as_admin.get(query)
    assert response.status_code == 400 and response.json()["errors"]


def test_free_text_query_parameters_declare_that_nul_is_refused(openapi, as_admin):
    search = next(p for p in openapi["paths"]["/api/patients"]["get"]["parameters"] if p["name"] == "search")
    assert search["schema"]["pattern"] == "^[^\\x00]*$"
    assert as_admin.get("/api/patients", {"search": "a\x00b"}).status_code == 400


@pytest.mark.parametrize(
    "path", ["/api/patients?search=-", "/api/patients?search=.", "/api/patients?search=--", "/api/patients/search?q=-"]
)
def test_searches_of_punctuation_only_find_nothing_instead_of_failing(as_admin, path):
    response = as_admin.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/sessions?start=9999-12-30&end=9999-12-31",
        "/api/sessions?start=0001-01-01&end=0001-01-02",
        "/api/blocked-times?start=9999-12-31&end=9999-12-31",
    ],
)
def test_dates_at_the_edge_of_the_calendar_are_400(as_admin, path):
    response = as_admin.get(path)
    assert response.status_code == 400 and response.json()["errors"]


def test_availability_at_the_edge_of_the_calendar_is_400(as_admin, therapist_member):
    for day in ("9999-12-31", "0001-01-01"):
        response = as_admin.get("/api/availability", {"therapistId": str(therapist_member.user_id), "date": day})
        assert response.status_code == 400 and "date" in response.json()["errors"]
