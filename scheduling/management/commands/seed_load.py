"""`manage.py seed_load`: realistic data at scale for benchmarks, fast (PostgreSQL COPY) and
deterministic (`--seed`). The main practice gets `--therapists-per-practice` therapists,
`--patients` patients and `--sessions` sessions (HTML records, PHQ-9/GAD-7 on some, blocked
times, ledger rows); `--practices` − 1 further practices get a small clinic each.

Density: by default each therapist holds `--per-therapist-week` sessions a week (28: a full-time
therapist's 20–35), so a million sessions are a deep history (about 14 years for 50 therapists),
not a crowded month. `--dense` puts them all in three years instead (about 127 a therapist-week
for 1M sessions and 50 therapists): the worst case for calendar windows.

Bulk-loaded rows bypass model signals: no audit entries are written for them."""

import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from accounts.choices import Role
from accounts.models import Practice
from patients.rut import rut_check_digit
from sessai import scope

FIRST = [
    "María",
    "José",
    "Camila",
    "Sofía",
    "Valentina",
    "Martina",
    "Isidora",
    "Florencia",
    "Agustina",
    "Antonia",
    "Matías",
    "Benjamín",
    "Vicente",
    "Tomás",
    "Joaquín",
    "Agustín",
    "Cristóbal",
    "Sebastián",
    "Ignacio",
    "Lucía",
    "Renata",
    "Maximiliano",
    "Ángela",
    "Andrés",
    "Rocío",
    "Raúl",
    "Inés",
    "Simón",
    "Begoña",
    "Héctor",
]
LAST = [
    "González",
    "Muñoz",
    "Rojas",
    "Díaz",
    "Pérez",
    "Soto",
    "Contreras",
    "Silva",
    "Martínez",
    "Sepúlveda",
    "Morales",
    "Rodríguez",
    "López",
    "Fuentes",
    "Hernández",
    "Torres",
    "Araya",
    "Flores",
    "Espinoza",
    "Valenzuela",
    "Castillo",
    "Tapia",
    "Reyes",
    "Gutiérrez",
    "Castro",
    "Pizarro",
    "Álvarez",
    "Vásquez",
    "Sánchez",
    "Fernández",
    "Núñez",
    "Peña",
    "Ibáñez",
    "Cáceres",
    "Jiménez",
]
THEMES = [
    "ansiedad laboral",
    "duelo",
    "conflictos de pareja",
    "insomnio",
    "autoestima",
    "regulación emocional",
    "estrés académico",
    "crianza",
    "consumo de alcohol",
    "ataques de pánico",
    "rumiación",
    "límites familiares",
]
TECHNIQUES = [
    "respiración diafragmática",
    "reestructuración cognitiva",
    "exposición gradual",
    "mindfulness",
    "psicoeducación",
    "registro de pensamientos",
    "activación conductual",
    "role playing",
]
COLORS = ["#3174ad", "#4caf50", "#f44336", "#9c27b0", "#06b6d4", "#f59e0b", "#ec4899", "#14b8a6"]


def _copy(table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples of already-formatted text, None for NULL) into `table`. PostgreSQL refuses
    COPY FROM into a table under row-level security, so the rows go to a temporary table first
    (none of its own policies) and from there in one INSERT (the platform role's policy)."""
    count = 0
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TABLE IF EXISTS seed_load_rows; CREATE TEMP TABLE seed_load_rows AS SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY seed_load_rows ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM seed_load_rows; DROP TABLE seed_load_rows")
    return count


@scope.platform_command
class Command(BaseCommand):
    help = "Load realistic benchmark data quickly (COPY) and deterministically (--seed)."

    def add_arguments(self, parser):
        parser.add_argument("--practices", type=int, default=1, help="practices in all (the first is the big one)")
        parser.add_argument("--therapists-per-practice", type=int, default=10)
        parser.add_argument("--patients", type=int, default=1000, help="patients of the main practice")
        parser.add_argument("--sessions", type=int, default=10000, help="sessions of the main practice")
        parser.add_argument(
            "--per-therapist-week", type=float, default=28.0, help="sessions per therapist and week (realistic: 20–35)"
        )
        parser.add_argument("--dense", action="store_true", help="all sessions in three years, whatever the density")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--name", default="Centro Benchmark", help="name of the main practice (idempotency key)")

    def handle(
        self,
        *args,
        practices,
        therapists_per_practice,
        patients,
        sessions,
        seed,
        name,
        per_therapist_week=28.0,
        dense=False,
        **options,
    ):
        if Practice.objects.filter(name=name).exists():
            self.stdout.write(f"{name!r} already exists: nothing to do (drop it or use --name).")
            return
        started = time.monotonic()
        rng = random.Random(seed)  # the data; ids come from their own stream, so two names can coexist
        self.ids = random.Random(f"ids:{seed}:{name}")
        self.password = make_password("Bench12345")
        self.now = datetime(2026, 11, 1, 12, tzinfo=UTC)
        self.per_therapist_week, self.dense = per_therapist_week, dense
        with transaction.atomic():
            main = self._practice(rng, name, therapists_per_practice, patients, sessions)
            for index in range(1, practices):
                self._practice(rng, f"{name} {index:03d}", 3, 50, 500)
        with connection.cursor() as cursor:
            # VACUUM too, so the tables start as a live database's are (visibility map and hint bits
            # set): otherwise the first benchmark runs pay for it, and autovacuum competes with them.
            # Inside a transaction (tests) only ANALYZE can run.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {practices} practices ({sessions} sessions in the main one) in {time.monotonic() - started:.1f}s. "
                f"Main practice id {main}; its therapists log in as bench-<n>@{self.domain(name)} / Bench12345."
            )
        )

    @staticmethod
    def domain(name: str) -> str:
        return "".join(c for c in name.lower() if c.isalnum()) + ".bench"

    def _uuid(self, rng) -> str:
        return str(uuid.UUID(int=self.ids.getrandbits(128), version=4))

    def _practice(self, rng, name, therapist_count, patient_count, session_count) -> str:
        now = self.now.isoformat()
        practice_id = self._uuid(rng)
        _copy(
            "accounts_practice",
            ["id", "name", "timezone", "country", "is_active", "created_at", "updated_at"],
            [(practice_id, name, "America/Santiago", "CL", "t", now, now)],
        )
        users, profiles, memberships, addresses = [], [], [], []
        therapist_ids = []
        domain = self.domain(name)
        for n in range(therapist_count + 1):  # the last one is the practice's admin
            user_id = self._uuid(rng)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            role = Role.ADMIN if n == therapist_count else Role.THERAPIST
            email = f"{'admin' if role == Role.ADMIN else f'bench-{n}'}@{domain}"
            users.append((user_id, self.password, None, "f", email, f"{first} {last}", "t", "f", now, now))
            profiles.append(
                (
                    self._uuid(rng),
                    user_id,
                    first,
                    last,
                    "",
                    "",
                    "{}",
                    "{}",
                    "",
                    "",
                    "{}",
                    "{Español}",
                    None,
                    "[]",
                    "[]",
                    "system",
                    "es",
                    "America/Santiago",
                    "t",
                    "t",
                    "t",
                    "f",
                    now,
                    now,
                )
            )
            memberships.append(
                (
                    self._uuid(rng),
                    user_id,
                    practice_id,
                    role,
                    "t",
                    COLORS[n % len(COLORS)],
                    "Psicólogo/a Clínico/a",
                    None,
                    now,
                    now,
                )
            )
            addresses.append((email, "t", "t", user_id))
            if role == Role.THERAPIST:
                therapist_ids.append(user_id)
        _copy(
            "accounts_user",
            [
                "id",
                "password",
                "last_login",
                "is_superuser",
                "email",
                "name",
                "is_active",
                "is_staff",
                "created_at",
                "updated_at",
            ],
            users,
        )
        _copy(
            "accounts_profile",
            [
                "id",
                "user_id",
                "first_name",
                "last_name",
                "photo",
                "bio",
                "specialties",
                "credentials",
                "license_number",
                "phone_number",
                "address",
                "languages",
                "years_of_experience",
                "education",
                "certifications",
                "theme",
                "language",
                "timezone",
                "notify_appointments",
                "notify_reminders",
                "notify_reports",
                "notify_marketing",
                "created_at",
                "updated_at",
            ],
            profiles,
        )
        _copy(
            "accounts_membership",
            [
                "id",
                "user_id",
                "practice_id",
                "role",
                "is_active",
                "color",
                "title",
                "invited_by_id",
                "created_at",
                "updated_at",
            ],
            memberships,
        )
        _copy("account_emailaddress", ["email", "verified", '"primary"', "user_id"], addresses)

        patient_rows, care = [], []
        patient_therapist = []
        bodies = rng.sample(range(5_000_000, 26_000_000), patient_count)  # RUTs are unique per practice
        for index in range(patient_count):
            patient_id = self._uuid(rng)
            body = str(bodies[index])
            therapist = rng.choice(therapist_ids)
            patient_name = f"{rng.choice(FIRST)} {rng.choice(FIRST) if rng.random() < 0.3 else ''} {rng.choice(LAST)} {rng.choice(LAST)}".replace(  # noqa: E501
                "  ", " "
            )
            patient_rows.append(
                (
                    patient_id,
                    practice_id,
                    patient_name,
                    body + rut_check_digit(body),
                    "",
                    f"+56 9 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
                    None,
                    "{}",
                    "{}",
                    "active" if rng.random() < 0.85 else "inactive",
                    "",
                    therapist,
                    0,
                    None,
                    None,
                    None,
                    now,
                    now,
                )
            )
            care.append((patient_id, therapist, now))
            patient_therapist.append((patient_id, therapist))
        _copy(
            "patients_patient",
            [
                "id",
                "practice_id",
                "name",
                "rut",
                "email",
                "phone",
                "birth_date",
                "address",
                "emergency_contact",
                "status",
                "notes",
                "primary_therapist_id",
                "total_sessions",
                "first_session_date",
                "last_session_date",
                "created_by_id",
                "created_at",
                "updated_at",
            ],
            patient_rows,
        )
        _copy("patients_careteammember", ["patient_id", "user_id", "created_at"], care)

        self._sessions(rng, practice_id, patient_therapist, session_count)
        self._blocked(rng, practice_id, therapist_ids)
        self._ledger(rng, practice_id, patient_therapist)
        with (
            connection.cursor() as cursor
        ):  # derived columns, and each patient registered a week before their first session
            cursor.execute(
                """UPDATE patients_patient p SET total_sessions = s.n, first_session_date = s.first, last_session_date = s.last,
                          created_at = s.earliest - interval '7 days', updated_at = s.earliest - interval '7 days'
                   FROM (SELECT patient_id, count(*) FILTER (WHERE status = 'completed') n,
                                min((starts_at AT TIME ZONE 'America/Santiago')::date) FILTER (WHERE status = 'completed') first,
                                max((starts_at AT TIME ZONE 'America/Santiago')::date) FILTER (WHERE status = 'completed') last,
                                min(starts_at) earliest
                         FROM scheduling_session WHERE practice_id = %s GROUP BY patient_id) s
                   WHERE p.id = s.patient_id""",
                [practice_id],
            )
            cursor.execute(
                "INSERT INTO billing_subscription (practice_id, plan_id, renewal_date, created_at, updated_at) "
                "SELECT %s, id, %s, now(), now() FROM billing_plan WHERE name = 'Plan Profesional'",
                [practice_id, (self.now + timedelta(days=20)).date()],
            )
        return practice_id

    def _sessions(self, rng, practice_id, patient_therapist, count):
        # Up to two weeks after "now", on an office hour; past ones mostly completed. The span holds
        # `per_therapist_week` sessions a therapist-week (three years with --dense).
        therapists = len({therapist for _patient, therapist in patient_therapist}) or 1
        weeks = 3 * 365 / 7 if self.dense else max(count / (therapists * self.per_therapist_week), 2)
        start = self.now + timedelta(days=14) - timedelta(weeks=weeks)
        span_hours = int((self.now + timedelta(days=14) - start).total_seconds() // 3600)
        assessments = []

        def rows():
            for _ in range(count):
                patient_id, therapist_id = rng.choice(patient_therapist)
                hour_offset = rng.randrange(span_hours)
                starts = start + timedelta(hours=hour_offset)
                starts = starts.replace(hour=12 + (starts.hour % 9), minute=0, second=0)  # 09:00–17:00 Santiago
                ends = starts + timedelta(minutes=60)
                if starts > self.now:
                    status = "scheduled"
                else:
                    roll = rng.random()
                    status = "completed" if roll < 0.88 else "cancelled" if roll < 0.95 else "no-show"
                session_id = self._uuid(rng)
                content = ""
                if status == "completed":
                    theme, technique = rng.choice(THEMES), rng.choice(TECHNIQUES)
                    content = (
                        f"<h3>Temas Tratados</h3><p>Se abordó {theme}; la paciente describe avances y dificultades de la semana.</p>"
                        f"<h3>Técnicas Utilizadas</h3><ul><li>{technique}</li></ul>"
                        f"<h3>Plan para la Próxima Sesión</h3><p>Continuar con {technique} y registrar situaciones gatillantes.</p>"
                    )
                    if rng.random() < 0.1:
                        items = [rng.randint(0, 3) for _ in range(9)]
                        total = sum(items)
                        band = next(
                            b
                            for upper, b in [
                                (4, "minimal"),
                                (9, "mild"),
                                (14, "moderate"),
                                (19, "moderately_severe"),
                                (27, "severe"),
                            ]
                            if total <= upper
                        )
                        assessments.append(
                            (
                                self._uuid(rng),
                                session_id,
                                patient_id,
                                "phq9",
                                "",
                                None,
                                "{" + ",".join(map(str, items)) + "}",
                                total,
                                band,
                                "",
                                therapist_id,
                                starts.isoformat(),
                            )
                        )
                yield (
                    session_id,
                    practice_id,
                    patient_id,
                    therapist_id,
                    starts.isoformat(),
                    ends.isoformat(),
                    rng.choice(["presencial", "virtual"]),
                    status,
                    "",
                    "",
                    "",
                    content,
                    "{}",
                    None,
                    None,
                    "",
                    None,
                    therapist_id,
                    starts.isoformat(),
                    starts.isoformat(),
                )

        _copy(
            "scheduling_session",
            [
                "id",
                "practice_id",
                "patient_id",
                "therapist_id",
                "starts_at",
                "ends_at",
                "type",
                "status",
                "title",
                "location",
                "notes",
                "content",
                "goals",
                "signed_at",
                "signed_by_id",
                "cancel_reason",
                "series_id",
                "created_by_id",
                "created_at",
                "updated_at",
            ],
            rows(),
        )
        _copy(
            "scheduling_assessment",
            [
                "id",
                "session_id",
                "patient_id",
                "type",
                "label",
                "scale",
                "items",
                "score",
                "severity",
                "notes",
                "created_by_id",
                "created_at",
            ],
            assessments,
        )

    def _blocked(self, rng, practice_id, therapist_ids):
        rows = []
        for therapist_id in therapist_ids:
            for day in range(0, 28):
                starts = (self.now + timedelta(days=day)).replace(hour=17, minute=0, second=0)  # 14:00 Santiago
                if starts.weekday() < 5:
                    rows.append(
                        (
                            self._uuid(rng),
                            practice_id,
                            therapist_id,
                            "lunch",
                            "Almuerzo",
                            starts.isoformat(),
                            (starts + timedelta(hours=1)).isoformat(),
                            None,
                            self.now.isoformat(),
                        )
                    )
        _copy(
            "scheduling_blockedtime",
            [
                "id",
                "practice_id",
                "therapist_id",
                "type",
                "reason",
                "starts_at",
                "ends_at",
                "created_by_id",
                "created_at",
            ],
            rows,
        )

    def _ledger(self, rng, practice_id, patient_therapist):
        rows = [
            (
                self._uuid(rng),
                practice_id,
                "grant",
                "4900.0",
                None,
                "",
                "",
                "",
                0,
                0,
                None,
                None,
                None,
                "2026-10",
                "Plan Profesional",
                self.now.isoformat(),
            )
        ]
        balance = Decimal("4900.0")
        for n in range(300):
            patient_id, therapist_id = rng.choice(patient_therapist)
            credits = Decimal(rng.randint(5, 150)) / 10  # keeps the month within its 4900 credits
            balance -= credits
            when = (self.now - timedelta(hours=n * 2)).isoformat()
            rows.append(
                (
                    self._uuid(rng),
                    practice_id,
                    "usage",
                    str(-credits),
                    therapist_id,
                    "progress_report",
                    "gemini-2.5-flash",
                    "balanced",
                    rng.randint(2000, 9000),
                    rng.randint(500, 2000),
                    patient_id,
                    None,
                    None,
                    "",
                    "",
                    when,
                )
            )
        _copy(
            "billing_creditledgerentry",
            [
                "id",
                "practice_id",
                "kind",
                "amount",
                "actor_id",
                "operation",
                "model",
                "tier",
                "input_tokens",
                "output_tokens",
                "patient_id",
                "report_id",
                "reservation_id",
                "period",
                "reason",
                "created_at",
            ],
            rows,
        )
        _copy(
            "billing_creditaccount",
            ["practice_id", "balance", "updated_at"],
            [(practice_id, str(balance), self.now.isoformat())],
        )
