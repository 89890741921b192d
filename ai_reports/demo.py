"""Demo data for recorded sessions: one transcribed session whose analysis the worker of
`make run` produces with the offline provider, so the flow can be seen without a Gemini key
(transcribing real audio needs one: there is no honest offline transcription). And one session
summary approved and sent to its patient, with the practice's summaries turned on."""

from decimal import Decimal

from django.utils import timezone

from accounts.choices import Role
from accounts.models import Membership
from ai_reports.choices import RecordingStatus
from ai_reports.models import PatientSummary, PracticeAISettings, Recording, RecordingConsent, Transcript
from ai_reports.services import ai_settings_set, summaries
from scheduling.choices import SessionStatus
from scheduling.models import Session
from sessai.jobs import defer_on_commit

SEGMENTS = [
    ("therapist", "¿Cómo estuvo la semana desde la última sesión?"),
    ("patient", "Mejor que la anterior. Seguí con el registro de sueño y dormí casi siete horas varias noches."),
    ("therapist", "Qué bueno. ¿Y la ansiedad antes de las reuniones del trabajo?"),
    ("patient", "Todavía me cuesta. El lunes tuve taquicardia, pero usé la respiración diafragmática y se me pasó."),
    ("therapist", "Trabajemos esta semana en anticipar esos pensamientos antes de la reunión del lunes."),
    ("patient", "Está bien, lo voy a anotar en el registro para traerlo la próxima sesión."),
]


DEMO_SUMMARY = (
    "En esta sesión conversamos sobre cómo ha estado tu sueño y sobre la ansiedad antes de las reuniones "
    "del trabajo. Practicamos la respiración diafragmática, que te ayudó el lunes.\n\n"
    "Acordamos que esta semana anotarás en tu registro los pensamientos que aparecen antes de la reunión del "
    "lunes, para revisarlos juntos en la próxima sesión."
)


def _demo_therapist(practice):
    return (
        Membership.objects.filter(practice=practice, role=Role.THERAPIST)
        .select_related("user")
        .order_by("user__email")
        .first()
    )


def seed_demo_summary(sender, practice, **kwargs):
    """The practice's oldest completed session of a patient with an email, with its summary
    approved and sent by its therapist (the patient's link is in the worker's console email)."""
    if PatientSummary.objects.filter(practice=practice).exists():
        return
    session = (
        Session.objects.filter(practice=practice, status=SessionStatus.COMPLETED, patient__email__gt="")
        .select_related("patient", "practice")
        .order_by("starts_at", "id")
        .first()
    )
    if session is None:
        return
    therapist = Membership.objects.select_related("user").get(practice=practice, user_id=session.therapist_id)
    ai_settings_set(practice=practice, patient_summaries=True)
    summary = summaries.summary_write(session=session, membership=therapist, content=DEMO_SUMMARY)
    summaries.summary_approve(summary=summary, membership=therapist)
    summaries.summary_send(summary=summary, membership=therapist)


def seed_demo_recording(sender, practice, **kwargs):
    if Transcript.objects.filter(practice=practice).exists():
        return
    therapist = _demo_therapist(practice)
    if therapist is None:
        return
    session = (
        Session.objects.filter(practice=practice, therapist=therapist.user, status=SessionStatus.COMPLETED)
        .select_related("patient")
        .order_by("-starts_at")
        .first()
    )
    if session is None:
        return
    PracticeAISettings.objects.update_or_create(practice=practice, defaults={"audio_transcription": True})
    RecordingConsent.objects.get_or_create(
        practice=practice,
        patient=session.patient,
        withdrawn_at=None,
        defaults={"text_version": "demo", "registered_by": therapist.user},
    )
    now = timezone.now()
    recording = Recording.objects.create(
        practice=practice,
        session=session,
        uploaded_by=therapist.user,
        content_type="audio/webm",
        size=0,
        sha256="demo",
        duration_seconds=Decimal("180"),
        status=RecordingStatus.ANALYZING,
        progress=90,
        transcribed_at=now,
        audio_deleted_at=now,
    )
    segments = [
        {"speaker": speaker, "start": 30.0 * i, "end": 30.0 * i + 28, "text": text}
        for i, (speaker, text) in enumerate(SEGMENTS)
    ]
    Transcript.objects.create(session=session, practice=practice, recording=recording, segments=segments, model="demo")
    defer_on_commit("ai_reports.tasks.analyze_transcript", session_id=str(session.pk))
