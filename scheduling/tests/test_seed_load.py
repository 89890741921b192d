import pytest
from django.core.management import call_command

from accounts.models import Membership, Practice
from billing.services import balance
from patients.models import Patient
from patients.rut import rut_is_valid
from scheduling.models import Assessment, BlockedTime, Session

pytestmark = pytest.mark.django_db


def test_seed_load_builds_consistent_data(api):
    call_command(
        "seed_load",
        "--practices",
        "3",
        "--therapists-per-practice",
        "4",
        "--patients",
        "60",
        "--sessions",
        "900",
        "--seed",
        "3",
    )
    main = Practice.objects.get(name="Centro Benchmark")
    assert Practice.objects.filter(name__startswith="Centro Benchmark").count() == 3
    assert Membership.objects.filter(practice=main).count() == 5  # 4 therapists + 1 admin
    assert Session.objects.filter(practice=main).count() == 900
    patients = Patient.objects.filter(practice=main)
    assert patients.count() == 60 and all(rut_is_valid(p.rut) for p in patients)
    assert any(ch in "".join(patients.values_list("name", flat=True)) for ch in "áéíóúñ")
    completed = Session.objects.filter(practice=main, status="completed")
    assert sum(patients.values_list("total_sessions", flat=True)) == completed.count()
    for patient in patients.filter(sessions__isnull=False).distinct()[:10]:  # registered before their first session
        assert patient.created_at < Session.objects.filter(patient=patient).order_by("starts_at").first().starts_at
    assert completed.exclude(content="").count() == completed.count()
    assert (
        Assessment.objects.filter(patient__practice=main).exists()
        and BlockedTime.objects.filter(practice=main).exists()
    )
    assert balance(main) > 0
    # The data is usable through the API as-is.
    login = api.post(
        "/api/auth/login", {"email": "admin@centrobenchmark.bench", "password": "Bench12345"}, format="json"
    )
    assert login.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['tokens']['accessToken']}")
    assert api.get("/api/patients", {"search": "mar"}).status_code == 200
    # Idempotent: a second run with the same name does nothing.
    call_command("seed_load", "--sessions", "10")
    assert Session.objects.filter(practice=main).count() == 900


def test_seed_load_is_deterministic():
    call_command("seed_load", "--patients", "20", "--sessions", "50", "--seed", "9", "--name", "A")
    first = list(Patient.objects.filter(practice__name="A").order_by("rut").values_list("rut", "name"))
    call_command("seed_load", "--patients", "20", "--sessions", "50", "--seed", "9", "--name", "B")
    second = list(Patient.objects.filter(practice__name="B").order_by("rut").values_list("rut", "name"))
    assert first == second


def _per_therapist_week(name: str) -> float:
    sessions = Session.objects.filter(practice__name=name)
    first, last = sessions.order_by("starts_at").first().starts_at, sessions.order_by("starts_at").last().starts_at
    therapists = sessions.values("therapist_id").distinct().count()
    return sessions.count() / therapists / ((last - first).days / 7)


def test_density_is_a_parameter_with_a_realistic_default():
    call_command(
        "seed_load",
        "--therapists-per-practice",
        "4",
        "--patients",
        "40",
        "--sessions",
        "2000",
        "--seed",
        "5",
        "--name",
        "Real",
    )
    call_command(
        "seed_load",
        "--therapists-per-practice",
        "4",
        "--patients",
        "40",
        "--sessions",
        "2000",
        "--seed",
        "5",
        "--name",
        "Denso",
        "--dense",
    )
    call_command(
        "seed_load",
        "--therapists-per-practice",
        "4",
        "--patients",
        "40",
        "--sessions",
        "2000",
        "--seed",
        "5",
        "--name",
        "Veinte",
        "--per-therapist-week",
        "20",
    )
    assert 25 <= _per_therapist_week("Real") <= 31  # the default: 28
    assert 18 <= _per_therapist_week("Veinte") <= 22
    assert _per_therapist_week("Denso") < 4  # 2,000 sessions spread over three years
