"""Measurement-based care: the questionnaires a patient answers by link before a session.

A patient's plan says which instruments and how often (before every session, every N sessions, or
once). A periodic job sends the link N hours before each session that is due (claimed by the
unique (practice, session) key, so a second run sends nothing). The patient answers one instrument
per page; each page's answers are kept at once, so the link resumes where it was left. When the
last is answered they become the session's assessments (scored here, as a therapist's typed ones
are) and the link is spent; it expires when the session ends. A risk item answered above 0 (PHQ-9
item 9) raises an alert for the treating therapist, emailed by a job, without clinical text."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import emails
from accounts.models import Membership
from patients.models import Patient
from scheduling import instruments
from scheduling import messages as msg
from scheduling.choices import LINK_INSTRUMENTS, MeasurementFrequency, SessionStatus
from scheduling.links import signed_link
from scheduling.models import Assessment, MeasurementPlan, QuestionnaireRequest, RiskAlert, Session
from sessai.errors import Conflict, ValidationFailed
from sessai.jobs import defer_on_commit

SALT = "scheduling.questionnaire-link"
UPCOMING = [SessionStatus.SCHEDULED]


class QuestionnaireLinkInvalid(Exception):
    pass


# -- The plan ---------------------------------------------------------------------------------


def plan_set(*, patient: Patient, membership: Membership, data: dict) -> MeasurementPlan:
    """Create or replace the patient's plan."""
    codes = list(dict.fromkeys(data.get("instruments") or []))
    if not codes or any(code not in LINK_INSTRUMENTS for code in codes):
        raise ValidationFailed(
            msg.PLAN_INSTRUMENTS_REQUIRED, errors={"instruments": [str(msg.PLAN_INSTRUMENTS_REQUIRED)]}
        )
    frequency = data["frequency"]
    every = data.get("every_sessions")
    if frequency == MeasurementFrequency.EVERY_N and (every is None or every < 2):
        raise ValidationFailed(msg.PLAN_EVERY_N_REQUIRED, errors={"everySessions": [str(msg.PLAN_EVERY_N_REQUIRED)]})
    plan, _ = MeasurementPlan.objects.update_or_create(
        practice_id=patient.practice_id,
        patient=patient,
        defaults={
            "instruments": codes,
            "frequency": frequency,
            "every_sessions": every if frequency == MeasurementFrequency.EVERY_N else None,
            "active": data.get("active", True),
            "updated_by_id": membership.user_id,
        },
    )
    return plan


def _due(plan: MeasurementPlan, session: Session) -> bool:
    """Whether this session gets the questionnaires under the plan."""
    if plan.frequency == MeasurementFrequency.EVERY_SESSION:
        return True
    last = (
        QuestionnaireRequest.objects.filter(patient_id=plan.patient_id)
        .select_related("session")
        .order_by("-sent_at")
        .first()
    )
    if last is None:
        return True
    if plan.frequency == MeasurementFrequency.ONCE:
        return False
    between = (
        Session.objects.filter(
            patient_id=plan.patient_id, starts_at__gt=last.session.starts_at, starts_at__lt=session.starts_at
        )
        .exclude(status=SessionStatus.CANCELLED)
        .count()
    )
    return between + 1 >= plan.every_sessions


# -- Sending ------------------------------------------------------------------------------------


def questionnaire_link(request: QuestionnaireRequest) -> str:
    return signed_link("portal:questionnaire", request.pk, salt=SALT)


@transaction.atomic
def questionnaire_send(*, session: Session, instruments_: list[str]) -> QuestionnaireRequest | None:
    """Claim the session's questionnaires and email the link, together; None when they were
    already sent."""
    patient = session.patient
    try:
        with transaction.atomic():
            request = QuestionnaireRequest.objects.create(
                practice_id=session.practice_id,
                session=session,
                patient=patient,
                instruments=instruments_,
                expires_at=session.ends_at,
            )
    except IntegrityError:
        return None  # sent before, or by a concurrent run
    local = session.starts_at.astimezone(ZoneInfo(session.practice.timezone))
    emails.send(
        template="questionnaire_request",
        to=patient.email,
        practice=session.practice,
        from_name=session.practice.name,
        context={
            "practice": session.practice,
            "patient": patient,
            "date": local.date(),
            "time": local.strftime("%H:%M"),
            "count": len(instruments_),
            "link": questionnaire_link(request),
        },
    )
    return request


def send_due_questionnaires(*, hours: int, now=None) -> int:
    """Every upcoming session within `hours` whose patient's plan makes it due gets the link
    (the periodic sweep, over every practice). Returns how many were sent."""
    now = now or timezone.now()
    sessions = (
        Session.objects.filter(
            status__in=UPCOMING,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=hours),
            patient__measurement_plans__active=True,
            patient__processing_blocked=False,
        )
        .exclude(patient__email="")
        .exclude(questionnaire_requests__isnull=False)
        .select_related("patient", "practice")
        .order_by("starts_at")
    )
    sessions = list(sessions)
    plans = {
        plan.patient_id: plan
        for plan in MeasurementPlan.objects.filter(patient_id__in={s.patient_id for s in sessions}, active=True)
    }
    sent = 0
    for session in sessions:
        plan = plans.get(session.patient_id)  # none if it was switched off since the first query
        if (
            plan is not None
            and _due(plan, session)
            and questionnaire_send(session=session, instruments_=plan.instruments) is not None
        ):
            sent += 1
    return sent


# -- The patient's link -------------------------------------------------------------------------


def request_from_token(token: str) -> QuestionnaireRequest:
    try:
        request_id = signing.loads(token, salt=SALT)
        return QuestionnaireRequest.objects.select_related("practice", "patient", "session").get(pk=request_id)
    except (signing.BadSignature, QuestionnaireRequest.DoesNotExist, ValueError) as exc:
        raise QuestionnaireLinkInvalid from exc


def expired(request: QuestionnaireRequest, now=None) -> bool:
    return request.completed_at is None and (now or timezone.now()) >= request.expires_at


def next_instrument(request: QuestionnaireRequest) -> str | None:
    """The first instrument not answered yet (where the link resumes)."""
    return next((code for code in request.instruments if code not in request.answers), None)


@transaction.atomic
def answer_save(*, request: QuestionnaireRequest, code: str, answers: dict[int, int | None]) -> QuestionnaireRequest:
    """Keep one instrument's answers (`answers`: item number → value); after the last, score them
    into the session's assessments, raise any risk alert and spend the link."""
    request = QuestionnaireRequest.objects.select_for_update().select_related("session").get(pk=request.pk)
    if request.completed_at is not None:
        raise Conflict(msg.QUESTIONNAIRE_DONE, code="questionnaire_done")
    if expired(request):
        raise Conflict(msg.QUESTIONNAIRE_EXPIRED, code="questionnaire_expired")
    instrument = instruments.instrument(code)
    missing = {
        f"item_{n}": [str(msg.ANSWER_EVERY_QUESTION)]
        for n in range(1, len(instrument.items) + 1)
        if answers.get(n) not in instrument.values
    }
    if missing:
        raise ValidationFailed(msg.ANSWER_EVERY_QUESTION, errors=missing)
    request.answers = {**request.answers, code: [answers[n] for n in range(1, len(instrument.items) + 1)]}
    if next_instrument(request) is None:
        _complete(request)
    request.save()
    return request


def _complete(request: QuestionnaireRequest) -> None:
    session = request.session
    for code in request.instruments:
        items = request.answers[code]
        score, severity = instruments.score(code, items)
        Assessment.objects.create(
            session=session, patient_id=request.patient_id, type=code, items=items, score=score, severity=severity
        )
        for item, answer in instruments.instrument(code).risk_answers(items):
            alert = RiskAlert.objects.create(
                session=session,
                patient_id=request.patient_id,
                therapist_id=session.therapist_id,
                instrument=code,
                item=item,
                answer=answer,
            )
            request.risk = True
            defer_on_commit("scheduling.tasks.risk_alert_notify", alert_id=str(alert.pk))
    request.completed_at = timezone.now()


# -- Risk alerts --------------------------------------------------------------------------------


@transaction.atomic
def risk_alert_notify(alert_id) -> bool:
    """Email the treating therapist: that there is an alert and where to see it, no clinical text
    and no patient name (an email leaves the platform). Once: the alert row is locked and stamped
    with the email, so a job retried after its worker died sends nothing more. False when there
    was nothing to send."""
    alert = RiskAlert.objects.select_for_update().select_related("therapist", "practice").filter(pk=alert_id).first()
    if alert is None or alert.notified_at is not None:
        return False
    therapist = alert.therapist
    emails.send(
        template="risk_alert",
        to=therapist.email,
        practice=alert.practice,
        context={"practice": alert.practice, "therapist": therapist, "link": f"{settings.FRONTEND_URL}/dashboard"},
    )
    alert.notified_at = timezone.now()
    alert.save(update_fields=["notified_at"])
    return True


@transaction.atomic
def risk_alert_acknowledge(*, alert: RiskAlert, membership: Membership) -> RiskAlert:
    alert = RiskAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        raise Conflict(msg.RISK_ALERT_ACKNOWLEDGED, code="acknowledged")
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by_id = membership.user_id
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert
