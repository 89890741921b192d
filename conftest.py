"""Shared pytest fixtures: API clients authenticated as each role of a practice, and a second
practice to prove tenant isolation."""

import os
import shutil

import pytest
from django.core.cache import cache
from django.db import connection
from procrastinate.contrib.django import app
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import User
from accounts.tests.factories import MembershipFactory, PracticeFactory, login_tokens
from sessai import scope
from sessai.tests.browser import browser, desktop, missing_reason, phone  # noqa: F401 (fixtures)
from sessai.tests.ownership import WriteGuard


def _node_missing() -> str | None:
    return None if shutil.which("node") else "no Node.js (apt-get install nodejs)"


# marker: (why it cannot run here or None, the variable that makes a missing tool a failure)
TOOL_MARKERS = {"browser": (missing_reason, "SESSAI_REQUIRE_BROWSER"), "node": (_node_missing, "SESSAI_REQUIRE_NODE")}


def pytest_configure(config):
    """CI (SESSAI_REQUIRE_*=1) refuses to start without the outside tools, before any test runs
    (in the main process, also under pytest-xdist)."""
    for marker, (why_missing, required) in TOOL_MARKERS.items():
        if os.environ.get(required) == "1" and (reason := why_missing()) is not None:
            raise pytest.UsageError(f"{marker} tests required ({required}=1) but {reason}")


def pytest_collection_modifyitems(config, items):
    """Tests that drive an outside tool (marked `browser`: Chromium; `node`: Node.js) are skipped,
    and said so in one line, where the tool is missing; a failure instead when the marker's
    SESSAI_REQUIRE_* variable is 1 (CI)."""
    for marker, (why_missing, _required) in TOOL_MARKERS.items():
        marked = [item for item in items if item.get_closest_marker(marker)]
        reason = why_missing() if marked else None
        if reason is None:
            continue
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=f"{marker} test: {reason}"))


def pytest_terminal_summary(terminalreporter):
    """One line per missing tool, counted from the reports (the workers skip, the main process says so)."""
    skipped = terminalreporter.stats.get("skipped", [])
    for marker, (why_missing, _required) in TOOL_MARKERS.items():
        count = sum(1 for report in skipped if f"{marker} test: " in str(report.longrepr))
        if count:
            terminalreporter.write_line(
                f"SKIPPED {count} {marker} tests: {why_missing()}; install it to run them", yellow=True
            )


@pytest.fixture(autouse=True)
def _one_owner_per_write():
    """Every test runs under the write guard (sessai/tests/ownership.py): an app saving or deleting
    another app's rows fails the test that made it happen."""
    with WriteGuard() as guard:
        yield
    assert not guard.violations, "writes outside the owning app:\n" + "\n".join(sorted(set(guard.violations)))


@pytest.fixture(autouse=True)
def _platform_scope():
    """Test code (factories, assertions) reaches every practice's rows, on the `tests` platform path
    (sessai.tenancy). What it calls is scoped as in production: each request starts with no practice
    (ScopeMiddleware) and each job with the practice of its row, so the whole suite runs with the
    row-level security policies binding the application role."""
    with scope.platform("tests"):
        yield


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache(request, django_db_blocker):
    """Rate-limit counters and cached reads never leak between tests (the cache is a table)."""
    if {"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        with django_db_blocker.unblock():
            cache.clear()


JOB_TABLES = "procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, procrastinate_workers"


@pytest.fixture(autouse=True)
def _empty_job_tables(request, django_db_blocker):
    """Procrastinate's tables are not Django-managed, so a transactional test's flush leaves them:
    jobs, periodic ticks and worker rows are emptied after every test that commits."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {JOB_TABLES} CASCADE")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def practice(db):
    return PracticeFactory()


@pytest.fixture
def other_practice(db):
    return PracticeFactory()


@pytest.fixture
def admin_member(practice):
    return MembershipFactory(practice=practice, role=Role.ADMIN)


@pytest.fixture
def therapist_member(practice):
    return MembershipFactory(practice=practice, role=Role.THERAPIST)


@pytest.fixture
def assistant_member(practice):
    return MembershipFactory(practice=practice, role=Role.ASSISTANT)


@pytest.fixture
def other_admin_member(other_practice):
    return MembershipFactory(practice=other_practice, role=Role.ADMIN)


def _client_for(membership):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login_tokens(membership.user)['access_token']}")
    client.membership = membership
    client.user = membership.user
    return client


@pytest.fixture
def as_admin(admin_member):
    return _client_for(admin_member)


@pytest.fixture
def as_therapist(therapist_member):
    return _client_for(therapist_member)


@pytest.fixture
def as_assistant(assistant_member):
    return _client_for(assistant_member)


@pytest.fixture
def as_other_admin(other_admin_member):
    return _client_for(other_admin_member)


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture
def run_jobs(transactional_db, monkeypatch):
    """Runs the queued background jobs through a real Procrastinate worker on the test database
    until the queue is empty (the rows must be committed for the worker's own connections to see
    them, hence `transactional_db`). Periodic tasks are not deferred unless a test asks for them."""
    monkeypatch.setattr(app.periodic_registry, "periodic_tasks", {})

    def run(**options):
        # the worker starts with no practice, as in its own process (tasks inherit the caller's scope)
        with scope.nobody(), app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False, **options)

    return run


def console_login(client, user):
    """Sign `user` in to the console as if they had passed the password and TOTP steps (the real
    flow is tested in sessai/tests/test_console.py)."""
    client.force_login(user)
    session = client.session
    session["console_mfa"] = True
    session.save()
    return client


@pytest.fixture
def operator_user(db):
    return User.objects.create_superuser(email="ops@sessai.com", password="OpsClave123", name="Operaciones")


@pytest.fixture
def operator(client, operator_user):
    """A platform operator signed in to the console."""
    return console_login(client, operator_user)


@pytest.fixture
def admin_client(client, admin_user):
    return console_login(client, admin_user)
