"""The benchmark's own machinery: the SQL it captures from a request is what the floor app
replays, and the floor answers the same rows. (`make bench` runs them at scale.)"""

import importlib
import json
import sys

import pytest
from django.conf import settings
from django.db import connection

from accounts.tests.factories import login_tokens
from patients.tests.factories import patient_for
from sessai.db import owner_url

sys.path.insert(0, str(settings.BASE_DIR / "bench"))


@pytest.mark.django_db(transaction=True)
def test_floor_replays_the_sql_a_request_ran(tmp_path, monkeypatch, admin_member, therapist_member):
    import run  # noqa: PLC0415 (bench/run.py, importable once bench/ is on sys.path above)

    names = {patient_for(therapist_member, name=f"Paciente Número {n}").name for n in range(3)}
    token = login_tokens(admin_member.user)["access_token"]
    paths = {"patient list": ("GET", lambda n: ("/api/patients", None))}

    counts, statements = run.capture_sql(paths, token)

    assert (
        counts == {"patient list": 3} and len(statements["/api/patients"]) == 3
    )  # auth, total, page (the care team inside it)
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps(statements), encoding="utf-8")
    monkeypatch.setenv("FLOOR_QUERIES", str(queries))
    # as make bench starts it: the owner's URL, whom no policy binds (bench/run.py)
    monkeypatch.setenv("DATABASE_URL", owner_url(connection.settings_dict))
    floor = importlib.reload(importlib.import_module("floor"))
    answered = []
    try:
        body = b"".join(
            floor.application(
                {"PATH_INFO": "/api/patients", "QUERY_STRING": ""}, lambda status, headers: answered.append(status)
            )
        )
        missing = floor.application({"PATH_INFO": "/api/otra"}, lambda status, headers: answered.append(status))
    finally:
        floor._local.connection.close()
    results = json.loads(body)["data"]
    assert answered == ["200 OK", "404 Not Found"] and missing and len(results) == 3
    assert names <= {value for rows in results for row in rows for value in row if isinstance(value, str)}
