"""Demo patients and sessions for `seed_demo` (only when the demo practice has no patients yet)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.choices import Role
from accounts.models import Membership, Practice
from accounts.services import practice_public_profile_set
from patients.models import Patient
from patients.services import patient_register
from scheduling import instruments
from scheduling.choices import SessionStatus, SessionType
from scheduling.models import Assessment, BookingSettings, Session
from scheduling.services import measurement
from scheduling.services.sessions import patient_stats_refresh

PATIENTS = [
    ("María José Pérez", "123456785", "mariajose.perez@correo.cl", "+56 9 8765 4321"),
    ("Juan Carlos Rojas", "111111111", "jc.rojas@correo.cl", "+56 9 1234 5678"),
    ("Valentina Muñoz", "", "vale.munoz@correo.cl", "+56 9 2222 3333"),
    ("Tomás Herrera", "100000139", "", "+56 9 4444 5555"),
    ("Camila Fuentes", "", "camila.f@correo.cl", ""),
    ("Sebastián Núñez", "", "", "+56 9 6666 7777"),
]
NOTES = [
    "<h3>Temas Tratados</h3><ul><li>Ansiedad anticipatoria en el "
    "trabajo</li></ul><h3>Técnicas Utilizadas</h3><p>Respiración diafragmática.</p>",
    "<h3>Temas Tratados</h3><p>Duelo y reorganización de rutinas.</p><h3>Plan para la Próxima Sesión</h3><p>Registro de pensamientos.</p>",
    "<p>Mejor calidad de sueño. Se refuerza higiene del sueño y actividad física.</p>",
]


def seed_demo_clinic(sender, practice, **kwargs):
    if Patient.objects.filter(practice=practice).exists():
        return
    therapists = list(
        Membership.objects.filter(practice=practice, role__in=[Role.THERAPIST, Role.ADMIN]).select_related("user")
    )
    tz = ZoneInfo(practice.timezone)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    for index, (name, rut, email, phone) in enumerate(PATIENTS):
        therapist = therapists[index % len(therapists)]
        patient = patient_register(
            practice=practice, name=name, rut=rut, email=email, phone=phone, primary_therapist=therapist.user
        )
        hour = 9 + index
        for weeks_ago in (3, 2, 1):
            start = datetime.combine(
                monday - timedelta(weeks=weeks_ago) + timedelta(days=index % 4), time(hour), tzinfo=tz
            )
            Session.objects.create(
                practice=practice,
                patient=patient,
                therapist=therapist.user,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                status=SessionStatus.COMPLETED,
                type=SessionType.PRESENCIAL,
                content=NOTES[weeks_ago % 3],
            )
        for days_ahead in (0, 7):
            start = datetime.combine(monday + timedelta(days=index % 4 + days_ahead), time(hour), tzinfo=tz)
            Session.objects.create(
                practice=practice,
                patient=patient,
                therapist=therapist.user,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                status=SessionStatus.SCHEDULED,
                type=SessionType.VIRTUAL,
                title="Sesión de seguimiento",
            )
        patient_stats_refresh(patient.pk)
        if index == 0:
            _measurement(patient, therapist)


# The first demo patient's PHQ-9 and GAD-7 over the three past sessions (improving), then the
# questionnaire of the next session answered by link with item 9 at «Varios días»: a risk alert.
TREND = {
    "phq9": [[2, 2, 2, 2, 1, 2, 2, 1, 0], [2, 1, 2, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 0, 1, 1, 0, 0]],
    "gad7": [[2, 2, 2, 2, 1, 2, 1], [2, 1, 2, 1, 1, 1, 1], [1, 1, 1, 1, 0, 1, 0]],
}
BY_LINK = {"phq9": [1, 1, 1, 1, 0, 1, 0, 0, 1], "gad7": [1, 1, 1, 0, 0, 1, 0]}


def _measurement(patient, therapist) -> None:
    membership = therapist
    measurement.plan_set(
        patient=patient, membership=membership, data={"instruments": ["phq9", "gad7"], "frequency": "every_session"}
    )
    past = Session.objects.filter(patient=patient, status=SessionStatus.COMPLETED).order_by("starts_at")
    for session, position in zip(past, range(3), strict=False):
        for code, series in TREND.items():
            score, severity = instruments.score(code, series[position])
            Assessment.objects.create(
                session=session, patient=patient, type=code, items=series[position], score=score, severity=severity
            )
    upcoming = Session.objects.filter(patient=patient, starts_at__gt=timezone.now()).order_by("-starts_at").first()
    request = measurement.questionnaire_send(session=upcoming, instruments_=["phq9", "gad7"])
    for code, answers in BY_LINK.items():
        request = measurement.answer_save(
            request=request, code=code, answers={n: value for n, value in enumerate(answers, start=1)}
        )


DEMO_SLUG = "centro-demo"


def open_demo_booking(sender, practice, **kwargs):
    """The demo practice takes online bookings at /p/centro-demo/reservar (once: an address or
    settings someone changed are left alone)."""
    if practice.slug is None and not Practice.objects.filter(slug=DEMO_SLUG).exists():
        practice_public_profile_set(practice=practice, slug=DEMO_SLUG, phone="+56 2 2345 6789")
    BookingSettings.objects.get_or_create(
        practice=practice, defaults={"enabled": True, "lead_time_hours": 2, "durations": [50, 30]}
    )
