"""A session's summary for the patient (measurement-based care, issue 35 part 7).

After a session the therapist may give the patient a short summary in plain Spanish: what was
worked on and what was agreed. The AI drafts it from the session's record (pseudonymised, charged
like any AI call, refused for a patient who opposed AI processing), or the therapist writes it;
either way it is a draft until the therapist approves it, and only an approved summary is sent.
Sending emails the patient a link (no clinical text in the email); the page shows the summary and
lets the patient stop receiving them. Optional per practice (its AI settings). Every change is
audited; every read, the patient's included, leaves an access entry."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import emails
from accounts.models import Membership
from ai_reports import prompts
from ai_reports.choices import SummaryStatus
from ai_reports.models import PatientSummary
from ai_reports.providers import AITask
from ai_reports.services.reports import (
    PROCESSING_BLOCKED,
    _run,
    ai_processing_check,
    ai_settings_row,
    redactor_for,
)
from billing.choices import Operation
from scheduling.choices import SessionStatus
from scheduling.links import LinkInvalid, named_by, signed_id, signed_link
from scheduling.models import Session
from sessai.errors import Conflict, ValidationFailed
from sessai.sanitize import html_text

SALT = "ai_reports.patient-summary-link"
CONTENT_MAX = 4000

CONTENT_REQUIRED = _("Escribe el resumen para el paciente.")
SUMMARIES_OFF = _("Los resúmenes para pacientes no están activados en esta consulta (configuración de IA).")
SESSION_NOT_DONE = _("El resumen se escribe después de la sesión: márcala como realizada primero.")
ALREADY_SENT = _("El resumen ya se envió al paciente y no se puede modificar.")
NOT_APPROVED = _("Aprueba el resumen antes de enviarlo: nada llega al paciente sin tu aprobación.")
EMPTY = _("Escribe el resumen antes de aprobarlo.")
NO_NOTE = _("La sesión no tiene registro del que partir: escribe la nota de la sesión o el resumen a mano.")
NO_EMAIL = _("El paciente no tiene un correo registrado.")
OPTED_OUT = _("El paciente pidió no recibir resúmenes de sesión.")


def plain(text: str) -> str:
    """What the patient will read, as plain text: tags dropped (the page escapes what is left),
    line ends normalised."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if "<" in text:
        text = html_text(text)
    return text.strip()


def summary_of(session: Session) -> PatientSummary | None:
    return PatientSummary.objects.select_related("edited_by", "approved_by").filter(session=session).first()


def _check_writable(session: Session) -> None:
    if not ai_settings_row(session.practice).patient_summaries:
        raise Conflict(SUMMARIES_OFF, code="summaries_disabled")
    if session.status != SessionStatus.COMPLETED:
        raise Conflict(SESSION_NOT_DONE, code="session_not_completed")


def _locked(session: Session, membership: Membership) -> PatientSummary:
    """The session's summary, locked, or a new draft (unsaved); 409 once it was sent."""
    summary = PatientSummary.objects.select_for_update().filter(session=session).first()
    if summary is None:
        return PatientSummary(session=session, patient_id=session.patient_id, edited_by=membership.user)
    if summary.status == SummaryStatus.SENT:
        raise Conflict(ALREADY_SENT, code="already_sent")
    return summary


def _as_draft(summary: PatientSummary, *, content: str, membership: Membership) -> None:
    summary.content = content
    summary.status = SummaryStatus.DRAFT
    summary.approved_by = None
    summary.approved_at = None
    summary.edited_by = membership.user
    summary.save()


@transaction.atomic
def summary_write(*, session: Session, membership: Membership, content: str) -> PatientSummary:
    """The therapist's own text (new, or an edit of the draft). An approved summary that is edited
    is a draft again: what is approved is exactly what is sent. 400 when nothing is left once the
    tags are dropped."""
    content = plain(content)
    if not content:
        raise ValidationFailed(CONTENT_REQUIRED, errors={"content": [str(CONTENT_REQUIRED)]})
    _check_writable(session)
    summary = _locked(session, membership)
    _as_draft(summary, content=content, membership=membership)
    return summary


def summary_draft(*, session: Session, membership: Membership) -> PatientSummary:
    """The AI's draft from the session's record, replacing the draft there was. Nothing is sent
    to the provider (or charged) for a patient who opposed AI processing or has it blocked."""
    _check_writable(session)
    ai_processing_check(session.patient)
    summary = summary_of(session)
    if summary is not None and summary.status == SummaryStatus.SENT:
        raise Conflict(ALREADY_SENT, code="already_sent")
    note = html_text(session.content)
    if not note:
        raise ValidationFailed(NO_NOTE, code="no_note")
    goals = list(session.goals or [])
    redactor = redactor_for(patient=session.patient, membership=membership)
    task = AITask(
        system=prompts.SYSTEM_PATIENT,
        prompt=prompts.patient_summary_prompt(redactor.redact(note), [redactor.redact(g) for g in goals]),
        offline=lambda: prompts.patient_summary_offline(note, goals),
        max_output_tokens=min(settings.AI_MAX_OUTPUT_TOKENS, 1024),
    )

    def save(completion, credits):
        summary = _locked(session, membership)  # sent meanwhile: 409, and the hold is released
        summary.ai_model = completion.model
        summary.credits = credits
        _as_draft(summary, content=plain(redactor.restore(completion.text))[:CONTENT_MAX], membership=membership)
        return summary, None

    summary, _completion, _credits = _run(
        membership=membership, operation=Operation.PATIENT_SUMMARY, task=task, patient_id=session.patient_id, save=save
    )
    return summary


@transaction.atomic
def summary_approve(*, summary: PatientSummary, membership: Membership) -> PatientSummary:
    summary = _locked(summary.session, membership)
    _check_writable(summary.session)
    if summary.pk is None or not summary.content.strip():
        raise Conflict(EMPTY, code="summary_empty")
    if summary.status != SummaryStatus.APPROVED:
        summary.status = SummaryStatus.APPROVED
        summary.approved_by = membership.user
        summary.approved_at = timezone.now()
        summary.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return summary


def summary_link(summary: PatientSummary) -> str:
    return signed_link("portal:patient-summary", summary.pk, salt=SALT)


@transaction.atomic
def summary_send(*, summary: PatientSummary, membership: Membership) -> PatientSummary:
    """Email the patient the link to an approved summary (the email names the practice and the
    session's date, nothing clinical). What the patient asked for wins: no email when they opted
    out of summaries or their data's processing is blocked."""
    summary = _locked(summary.session, membership)
    session = summary.session
    _check_writable(session)
    if summary.pk is None or summary.status != SummaryStatus.APPROVED:
        raise Conflict(NOT_APPROVED, code="not_approved")
    patient = session.patient
    if patient.processing_blocked:
        raise Conflict(PROCESSING_BLOCKED, code="processing_blocked")
    if patient.summaries_opt_out:
        raise Conflict(OPTED_OUT, code="summaries_opt_out")
    if not patient.email:
        raise Conflict(NO_EMAIL, code="no_email")
    practice = session.practice
    local = session.starts_at.astimezone(ZoneInfo(practice.timezone))
    emails.send(
        template="patient_summary",
        to=patient.email,
        practice=practice,
        from_name=practice.name,
        context={"practice": practice, "patient": patient, "date": local.date(), "link": summary_link(summary)},
    )
    summary.status = SummaryStatus.SENT
    summary.sent_at = timezone.now()
    summary.sent_to = patient.email
    summary.save(update_fields=["status", "sent_at", "sent_to", "updated_at"])
    return summary


# -- The patient's page ---------------------------------------------------------------------------


def summary_named(token: str) -> PatientSummary | None:
    """The summary a link names, expired or not (its practice scopes the page)."""
    return named_by(token, salt=SALT, model=PatientSummary)


def summary_from_token(token: str) -> PatientSummary:
    """The sent summary a link opens; LinkInvalid (expired or not) otherwise."""
    pk = signed_id(token, salt=SALT, max_age=settings.PATIENT_SUMMARY_LINK_DAYS * 86400)
    summary = (
        PatientSummary.objects.select_related("practice", "patient", "session__therapist")
        .filter(pk=pk, status=SummaryStatus.SENT)
        .first()
    )
    if summary is None:
        raise LinkInvalid()
    return summary


def summary_viewed(summary: PatientSummary) -> None:
    """The first time the patient opens it (the therapist sees `viewedAt`)."""
    if summary.viewed_at is None:
        summary.viewed_at = timezone.now()
        summary.save(update_fields=["viewed_at", "updated_at"])
