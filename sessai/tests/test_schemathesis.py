"""Schemathesis in-process against the test database, as admin, therapist and assistant, with
schemathesis.toml (the few rules a schema cannot state):

- `make test`: fuzzing (SCHEMATHESIS_MAX_EXAMPLES cases per operation, default 5, the roles
  taking turns) and stateful chains (SCHEMATHESIS_STATEFUL_STEPS scenarios per role, default 5),
  checked for server errors, undocumented statuses and content types, and answers that violate
  the schema: these hold at zero failures;
- `make fuzz` (SCHEMATHESIS_STRICT=1, SCHEMATHESIS_ALL_ROLES=1, 50 examples, 60 scenarios):
  every check schemathesis has, positive and negative data, the coverage phase (every boundary
  of every parameter) and the stateful chains, every case as every role. docs/api.md lists what
  it still reports."""

import itertools
import os
import re
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.choices import Role
from accounts.tests.factories import MembershipFactory, PracticeFactory, login_tokens
from billing.services import subscription_start
from patients.tests.factories import patient_for

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
STATEFUL_STEPS = int(os.environ.get("SCHEMATHESIS_STATEFUL_STEPS", "5"))
ALL_ROLES = os.environ.get("SCHEMATHESIS_ALL_ROLES") == "1"
# SCHEMATHESIS_STRICT=1 (`make fuzz`): every check, the coverage phase and the stateful chains.
# Without it (`make test`): fuzzing with the checks that already hold at zero failures.
STRICT = os.environ.get("SCHEMATHESIS_STRICT") == "1"
BASIC_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = (Role.ADMIN, Role.THERAPIST, Role.ASSISTANT)
_turn = itertools.count()
# Calls that end the caller's own session or credentials: each has tests of its own.
SELF_ENDING = r"auth/(logout|change-password|mfa/totp/(disable|confirm)|mfa/recovery-codes)"


# Upload limits small enough to generate a file past each one (the coverage phase sends exactly
# the bounds): the schema is generated with them, and the `members` fixture sets them on the server.
SMALL_UPLOADS = {
    "ATTACHMENT_MAX_BYTES": 4096,
    "PROFILE_PHOTO_MAX_BYTES": 4096,
    "RECORDING_MAX_BYTES": 4096,
    "RECORDING_UPLOAD_CHUNK_MAX_BYTES": 4096,
}


def _schema():
    """The schema drf-spectacular serves at /api/schema/, exercised against the app in-process."""
    config = SchemathesisConfig.from_path(str(Path(__file__).resolve().parents[2] / "schemathesis.toml"))
    with override_settings(**SMALL_UPLOADS):
        spec = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(spec, config=config)
    loaded.app = get_wsgi_application()
    loaded.config.phases.coverage.enabled = STRICT
    loaded = loaded.exclude(path_regex=SELF_ENDING)
    if os.environ.get("SCHEMATHESIS_PATHS"):  # a regex on "METHOD /path": fuzz only those (reproducing a failure)
        wanted = re.compile(os.environ["SCHEMATHESIS_PATHS"])
        loaded = loaded.exclude(func=lambda ctx: not wanted.search(ctx.operation.label))
    return loaded


schema = _schema()
# Whom the requests act as. Credentials go through schemathesis's auth provider, so that its checks
# know which header is ours (`ignored_auth` probes without it; a generated request is not counted
# as "missing Authorization" when we add it). `member` is fixed for a test, or `members` take turns
# case by case. A fresh device session per case: no example inherits another's state.
_caller = {}


@schema.auth(refresh_interval=None)
class Caller:
    def get(self, case, context):
        member = _caller.get("member")
        if member is None and _caller.get("members"):
            member = _caller["members"][next(_turn) % len(_caller["members"])]
        return login_tokens(member.user)["access_token"] if member else None

    def set(self, case, token, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@pytest.fixture
def in_process_app(db):
    """Like Django's test client: requests must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def members(db, settings):
    """One practice with a member of each role, a patient and a completed record, so that reads
    find something and links have ids to follow."""
    settings.RATELIMIT_ENABLE = False
    settings.GEMINI_API_KEY = ""  # the offline provider: no network
    for name, value in SMALL_UPLOADS.items():
        setattr(settings, name, value)
    practice = PracticeFactory()
    subscription_start(practice=practice)
    patient_for(MembershipFactory(practice=practice, role=Role.THERAPIST))
    return [MembershipFactory(practice=practice, role=role) for role in ROLES]


@pytest.fixture(params=ROLES if ALL_ROLES else ["turns"])
def caller(request, members):
    """SCHEMATHESIS_ALL_ROLES=1 (`make fuzz`): every operation once per role, all its examples as
    that role. In `make test` the roles take turns case by case, so each operation still meets
    all three within its examples."""
    if request.param == "turns":
        _caller["members"] = members
    else:
        _caller["member"] = members[ROLES.index(request.param)]
    yield
    _caller.clear()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_as_every_role(case, caller, in_process_app):
    case.call_and_validate(checks=None if STRICT else BASIC_CHECKS)


@pytest.mark.parametrize("role", ROLES)
def test_stateful_chains_as_every_role(role, members, in_process_app):
    _caller["member"] = members[ROLES.index(role)]

    class Workflow(schema.as_state_machine()):
        """Each scenario starts from the same data: what one chain deleted or created is rolled
        back before the next, so a rule's precondition (an earlier answer) cannot differ between
        two runs of the same steps (Hypothesis calls that a flaky strategy)."""

        def setup(self):
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._scenario.__exit__(None, None, None)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            if STRICT:
                return super().validate_response(response, case, additional_checks=additional_checks, **kwargs)
            case.validate_response(response, checks=BASIC_CHECKS, transport_kwargs=kwargs)

    try:
        run_state_machine_as_test(
            Workflow,
            settings=settings(
                max_examples=STATEFUL_STEPS,
                stateful_step_count=6,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        _caller.clear()
