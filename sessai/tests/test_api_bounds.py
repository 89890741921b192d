"""Every bound the schema declares on an input is the bound the server enforces (issue 19).

The cases are read from the schema itself, so the two cannot drift apart: for each `maxLength`,
`maxItems`, `maximum` and `minimum` on a query or header parameter or a request-body field
(nested objects and list items included), the test sends one character, item or unit past it
and expects a 400 naming that field; a file one byte past its `maxLength` is a 413. Where a
plain value can sit exactly at the bound (free text, integers), it also sends that value and
expects the field not to be refused for the same reason, so a bound the code sets tighter than
the schema fails too. Path parameters are bounded by the route itself: past the bound is 404.
"""

import io
import json
import re
import uuid
from urllib.parse import urlencode

import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.tests.factories import MembershipFactory, PracticeFactory, login_tokens
from ai_reports.models import RecordingUpload
from billing.services import subscription_start
from patients.services.data_rights import request_file
from patients.tests.factories import patient_for

BOUNDS = ("maxLength", "maxItems", "maximum", "minimum")
SMALL_UPLOADS = {
    "ATTACHMENT_MAX_BYTES": 2048,
    "PROFILE_PHOTO_MAX_BYTES": 1024,
    "RECORDING_MAX_BYTES": 4096,
    "RECORDING_UPLOAD_CHUNK_MAX_BYTES": 4096,
}


def _spec():
    """The schema as served, generated with small upload limits so a file past one is cheap to send."""
    with override_settings(**SMALL_UPLOADS):
        return SchemaGenerator().get_schema(request=None, public=True)


SPEC = _spec()
COMPONENTS = SPEC["components"]["schemas"]


def _resolved(schema: dict) -> dict:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    if len(schema.get("allOf", [])) == 1:  # a nullable reference: `allOf: [$ref]` beside `nullable`
        schema = {**_resolved(schema["allOf"][0]), **{k: v for k, v in schema.items() if k != "allOf"}}
    return schema


def _body_bounds(schema: dict, path: tuple = ()):
    """(field path, schema) for every bounded field of a request body; a list's items are `0`."""
    schema = _resolved(schema)
    if "properties" in schema:
        for name, field in schema["properties"].items():
            if not field.get("readOnly"):
                yield from _body_bounds(field, (*path, name))
        return
    if any(bound in schema for bound in BOUNDS):
        yield path, schema
    if schema.get("type") == "array":
        yield from _body_bounds(schema.get("items", {}), (*path, "0"))


def _operations():
    for template, item in SPEC["paths"].items():
        for method, operation in item.items():
            cases = []
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path" and any(bound in parameter["schema"] for bound in BOUNDS):
                    location = "query,csv" if parameter.get("explode") is False else parameter["in"]
                    cases.append((location, (parameter["name"],), parameter["schema"]))
            for content_type, content in operation.get("requestBody", {}).get("content", {}).items():
                cases += [(content_type, path, schema) for path, schema in _body_bounds(content["schema"])]
            if cases:
                yield pytest.param(method, template, cases, id=f"{method.upper()} {template}")


def _past(schema: dict, bound: str):
    """A value one step past `bound`, and one exactly at it (None when no plain value sits there)."""
    limit = schema[bound]
    if bound == "maxItems":
        items = _resolved(schema.get("items", {}))
        values = [_plain(items, index) for index in range(limit + 1)]
        return values, values[:limit] if items.get("type") != "object" else None
    if bound == "maxLength":
        if schema.get("format") in ("binary",):
            return b"x" * (limit + 1), None
        at = "a" * limit
        return "a" * (limit + 1), at if _free_text(schema, at) else None
    step = 1 if bound == "maximum" else -1
    return limit + step, limit


def _free_text(schema: dict, value: str) -> bool:
    """Whether any text fits the field, as long as it is short enough (no format or enum, in any
    of its alternatives, and a pattern `value` matches)."""
    for alternative in [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]:
        if {"format", "enum"} & alternative.keys():
            return False
        if "pattern" in alternative and not re.fullmatch(alternative["pattern"], value, re.S):
            return False
    return True


def _plain(schema: dict, index: int):
    """The `index`-th item of a list filled to its `maxItems` and past: a valid value where the item
    schema makes one plain (enum values in turn, UUIDs), so only the count can be refused."""
    if "enum" in schema:
        return schema["enum"][index % len(schema["enum"])]
    if schema.get("type") == "integer":
        return schema.get("minimum", 0)
    if schema.get("type") == "object" or "properties" in schema:
        return {}
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    return "a"


def _nest(path: tuple, value):
    """`("education", "0", "degree")` → `{"education": [{"degree": value}]}`."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if rest and rest[0] == "0":
        return {head: [_nest(rest[1:], value)]}
    return {head: _nest(rest, value)}


def _error_key(path: tuple) -> str:
    return ".".join(path)


@pytest.fixture
def world(db, settings):
    """A practice with one of everything a bounded operation's path can name, and its callers."""
    settings.RATELIMIT_ENABLE = False
    settings.GEMINI_API_KEY = ""  # the offline provider
    for name, value in SMALL_UPLOADS.items():
        setattr(settings, name, value)
    practice = PracticeFactory()
    subscription_start(practice=practice)
    admin = MembershipFactory(practice=practice, role=Role.ADMIN)
    therapist = MembershipFactory(practice=practice, role=Role.THERAPIST)
    callers = {}
    for role, member in (("admin", admin), ("therapist", therapist)):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {login_tokens(member.user)['access_token']}")
        callers[role] = client
    patient = patient_for(therapist)

    def book(status, day, sign=False):
        answer = callers["therapist"].post(
            "/api/sessions",
            {
                "patientId": str(patient.id),
                "date": day,
                "startTime": "10:00",
                "status": status,
                "content": "<p>Nota</p>",
            },
            format="json",
        )
        assert answer.status_code == 201, answer.json()
        session_id = answer.json()["id"]
        if sign:
            assert callers["therapist"].post(f"/api/sessions/{session_id}/sign").status_code == 200
        return session_id

    ids = {
        "member": str(therapist.user_id),  # the team routes name a member by user
        "patient": str(patient.id),
        "record": book("completed", "2026-03-02"),
        "signed": book("completed", "2026-03-03", sign=True),
        "scheduled": book("scheduled", "2027-03-04"),
    }
    ids["upload"] = str(
        RecordingUpload.objects.create(
            practice=practice, session_id=ids["record"], created_by=therapist.user, size=10_000
        ).pk
    )
    ids["privacy"] = str(request_file(membership=admin, patient=patient, kind="access").pk)
    return callers, ids


# The object each bounded operation's path names: one whose state lets the request reach validation.
PATH_OBJECTS = {
    "/api/admin/team/{id}": "member",
    "/api/admin/team/{id}/schedule": "member",
    "/api/patients/{id}": "patient",
    "/api/patients/{id}/assessments": "patient",
    "/api/patients/{id}/reports": "patient",
    "/api/patients/{id}/sessions": "patient",
    "/api/sessions/{id}": "record",
    "/api/sessions/{id}/assessments": "record",
    "/api/sessions/{id}/attachments": "record",
    "/api/sessions/{id}/addenda": "signed",
    "/api/sessions/{id}/cancel": "scheduled",
    "/api/patients/{id}/recording-consent": "patient",
    "/api/sessions/{id}/recordings": "record",
    "/api/sessions/{id}/recording-uploads": "record",
    "/api/sessions/{id}/recording-uploads/{upload_id}": "record",
    "/api/sessions/{id}/tus-uploads": "record",
    "/api/sessions/{id}/tus-uploads/{upload_id}": "record",
    "/api/sessions/{id}/transcript/segments/{index}": "record",
    "/api/patients/{id}/consents": "patient",
    "/api/patients/{id}/measurement-plan": "patient",
    "/api/sessions/{id}/patient-summary": "record",
    "/api/sessions/{id}/approve": "scheduled",
    "/api/patients/{id}/access-log": "patient",
    "/api/patients/{id}/export-package": "patient",
    "/api/patients/{id}/merge": "patient",
    "/api/privacy/requests/{id}": "privacy",
    "/api/privacy/requests/{id}/extend": "privacy",
    "/api/privacy/requests/{id}/refuse": "privacy",
    "/api/privacy/requests/{id}/fulfill": "privacy",
    "/api/attachments/{id}/download": "record",  # any id: the token is checked before the attachment is looked up
}


def _role_for(template: str) -> str:
    """Admins for the admin-only operations (their role check comes before any lookup)."""
    admin_only = template.startswith(("/api/admin/", "/api/privacy/", "/api/outcomes")) or template.endswith(
        ("/access-log", "/export-package", "/merge")
    )
    return "admin" if admin_only else "therapist"


# Query parameters an operation needs before it looks at the others.
BASE_QUERY = {("get", "/api/sessions"): {"start": "2026-03-01T00:00:00Z", "end": "2026-03-08T00:00:00Z"}}


# The tus protocol's headers, valid, around the one a case puts past its bound.
TUS_HEADERS = {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_LENGTH": "100", "HTTP_UPLOAD_OFFSET": "0"}
TUS_CHUNK = "application/offset+octet-stream"


def _send(client, method: str, path: str, location: str, field: tuple, value, template: str = ""):
    if location.startswith("query"):
        if location == "query,csv" and isinstance(value, list):  # `style: form, explode: false`
            value = ",".join(value)
        query = {**BASE_QUERY.get((method, template), {}), field[0]: value}
        return client.generic(method.upper(), path, QUERY_STRING=_query(query))
    tus = TUS_HEADERS if "/tus" in template else {}
    if location == "header":
        headers = {**tus, f"HTTP_{field[0].upper().replace('-', '_')}": value}
        if tus and method == "patch":  # a tus chunk: one byte of its own media type
            return client.generic("PATCH", path, b"x", content_type=TUS_CHUNK, **headers)
        return getattr(client, method)(path, {}, format="json", **headers)
    if location == "application/octet-stream":
        return client.generic(method.upper(), f"{path}?offset=0", value, content_type=location)
    if location == TUS_CHUNK:
        return client.generic(method.upper(), path, value, content_type=location, **tus)
    if location == "multipart/form-data":
        upload = io.BytesIO(value)
        upload.name = "archivo.pdf"
        return getattr(client, method)(path, {field[0]: upload}, format="multipart")
    return getattr(client, method)(path, _nest(field, value), format="json")


def _query(params: dict) -> str:
    return urlencode(
        [(name, item) for name, value in params.items() for item in (value if isinstance(value, list) else [value])]
    )


def _field_errors(response, key: str) -> list[str]:
    errors = response.json().get("errors", {})
    return [
        message
        for name, messages in errors.items()
        if name == key or name.startswith(f"{key}.")
        for message in messages
    ]


@pytest.mark.parametrize(("method", "template", "cases"), list(_operations()))
def test_every_declared_bound_is_enforced(method, template, cases, world):
    callers, ids = world
    client = callers[_role_for(template)]
    path = template.replace("{id}", ids[PATH_OBJECTS[template]]) if "{id}" in template else template
    path = (
        path.replace("{upload_id}", ids.get("upload", ""))
        .replace("{index}", "0")
        .replace("{therapist_id}", ids["member"])
    )
    failures = []
    for location, field, schema in cases:
        for bound in (b for b in BOUNDS if b in schema):
            past, at = _past(schema, bound)
            key = _error_key(field)
            answer = _send(client, method, path, location, field, past, template)
            if location in ("multipart/form-data", "application/octet-stream", TUS_CHUNK):
                if answer.status_code != 413:
                    failures.append(f"{key} {bound}+1: {answer.status_code} (expected 413)")
                continue
            refused = _field_errors(answer, key) if answer.status_code == 400 else []
            if not refused:
                failures.append(
                    f"{location} {key} past {bound}={schema[bound]}: {answer.status_code} {answer.content[:200]!r}"
                )
                continue
            if at is not None:
                at_answer = _send(client, method, path, location, field, at, template)
                if at_answer.status_code == 400 and _field_errors(at_answer, key) == refused:
                    failures.append(f"{location} {key} at {bound}={schema[bound]} refused like past it: {refused}")
    assert not failures, f"{method.upper()} {template}:\n" + "\n".join(failures)


def test_path_parameters_past_their_bound_name_nothing(world):
    """A path parameter is a UUID the route matches exactly: one character more is no route (404)."""
    callers, ids = world
    checked = 0
    for template, item in SPEC["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and "maxLength" in parameter["schema"]:
                    too_long = re.sub(
                        r"\{[^}]+\}",
                        str(uuid.uuid4()),
                        template.replace(f"{{{parameter['name']}}}", "a" * (parameter["schema"]["maxLength"] + 1)),
                    )
                    client = callers[_role_for(template)]
                    answer = client.generic(method.upper(), too_long)
                    assert answer.status_code == 404, f"{method.upper()} {too_long}: {answer.status_code}"
                    checked += 1
    assert checked >= 30


# --- Hostile values: a 400 (or a plain answer), never a 5xx (issue 21) -----------------------------

HOSTILE = ["-", ",,,", "9999-12-31T23:59:59Z", "0001-01-01", "' OR '1'='1", "\u202e" + "x" * 300, [], {}]


def test_hostile_values_in_every_parameter_and_field_are_never_a_server_error(world):
    """Each hostile value at once in every query parameter and every body field the schema names,
    on every operation (one practice for all: the writes that succeed do not matter here)."""
    callers, ids = world
    failures, sent = [], 0
    for template, item in SPEC["paths"].items():
        for method, operation in item.items():
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            fields = list(_resolved(body["schema"]).get("properties", {})) if body else []
            if not (query or fields):
                continue
            client = callers["admin" if template.startswith("/api/admin/") else "therapist"]
            path = (
                template.replace("{id}", ids[PATH_OBJECTS[template]])
                if template in PATH_OBJECTS
                else re.sub(r"\{(id|therapist_id)\}", str(uuid.uuid4()), template)
            )
            path = path.replace("{upload_id}", ids.get("upload", "")).replace("{index}", "0")
            for value in HOSTILE:
                params = {name: value for name in query} if isinstance(value, str) else {}
                url = f"{path}?{_query(params)}" if params else path
                answer = client.generic(
                    method.upper(),
                    url,
                    json.dumps({name: value for name in fields}) if fields else "",
                    content_type="application/json",
                )
                sent += 1
                if answer.status_code >= 500:
                    failures.append(f"{method.upper()} {template} with {str(value)[:30]!r}: {answer.status_code}")
    assert sent > 300 and not failures, "\n".join(failures)
