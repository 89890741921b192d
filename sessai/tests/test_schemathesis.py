"""Property-based run of every operation in /api/schema/ (schemathesis), as each role: no request,
however malformed, may get a 500, and every documented answer must match the schema.

Examples per operation: SCHEMATHESIS_MAX_EXAMPLES (default 4, sized for CI on 2 cores); raise it,
and add SCHEMATHESIS_COVERAGE=1 (every boundary of every parameter), for a deep run."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from accounts.choices import Role
from accounts.tests.factories import MembershipFactory, PracticeFactory, login_tokens
from billing.services import subscription_start
from patients.tests.factories import patient_for

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "4"))


def _schema():
    """The schema drf-spectacular serves at /api/schema/, exercised against the app in-process."""
    from django.core.wsgi import get_wsgi_application
    from drf_spectacular.generators import SchemaGenerator

    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = get_wsgi_application()
    # Only the fuzzing phase (bounded by max_examples): the coverage phase enumerates every
    # boundary of every parameter, hours of requests on a 2-core CI machine.
    loaded.config.phases.coverage.enabled = os.environ.get("SCHEMATHESIS_COVERAGE") == "1"
    return loaded


schema = _schema()


@pytest.fixture
def in_process_app(db):
    """Like Django's test client: requests must not close the test's database connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def members(db, settings):
    """One practice with a member of each role (and a patient, so lists are not empty)."""
    settings.RATELIMIT_ENABLE = False
    settings.GEMINI_API_KEY = ""  # the offline provider: no network
    practice = PracticeFactory()
    subscription_start(practice=practice)
    patient_for(MembershipFactory(practice=practice, role=Role.THERAPIST))
    return [MembershipFactory(practice=practice, role=role) for role in (Role.ADMIN, Role.THERAPIST, Role.ASSISTANT)]


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_every_operation_as_every_role(case, members, in_process_app):
    import sys
    import time

    for member in members:
        started = time.monotonic()
        token = login_tokens(member.user)["access_token"]  # a fresh device session: logout examples do not leak
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
        if time.monotonic() - started > 1:
            print(f"SLOW {time.monotonic() - started:.1f}s {case.method} {case.path}", file=sys.stderr)
