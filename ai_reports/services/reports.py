"""AI use cases: progress reports (plain and streamed), the documentation assistant and session
structuring. Each call reserves its maximum cost, asks the provider with pseudonymised text,
restores the identifiers, stores the result and settles the real cost; a failure costs nothing."""

import json
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djangorestframework_camel_case.util import camelize

from ai_reports import prompts
from ai_reports.choices import DocMode, FixedPeriod, RangeType
from ai_reports.models import AIModelPrice, AIReport, IdempotencyKey, PracticeAISettings
from ai_reports.providers import AITask, Completion, get_provider
from ai_reports.redaction import Redactor
from billing import services as billing
from billing.choices import Operation
from patients.rut import rut_format
from patients.selectors import ai_restricted_patient_named, name_parts_in_text
from scheduling.choices import SessionStatus
from scheduling.models import Assessment, Session
from scheduling.timeutils import day_bounds
from sessai import metrics
from sessai.cache import cached, forget
from sessai.errors import Conflict, ValidationFailed
from sessai.replica import replica_reads
from sessai.sanitize import clean_clinical_html, html_text

logger = logging.getLogger("sessai.ai")

IDEMPOTENCY_IN_PROGRESS = _("Una solicitud con esta Idempotency-Key está en curso")
NO_SESSIONS = _("No hay sesiones registradas en el rango seleccionado")


# --- Tiers ----------------------------------------------------------------------------------


def price_for(tier: str) -> AIModelPrice:
    """The console's price row for a tier (created from settings' defaults the first time); cached,
    and forgotten when an operator edits the table (ai_reports.receivers)."""

    def load():
        defaults = settings.AI_TIERS[tier]
        price, _ = AIModelPrice.objects.get_or_create(
            tier=tier,
            defaults={
                "model_id": defaults["model"],
                "input_price_per_million": Decimal(defaults["input"]),
                "output_price_per_million": Decimal(defaults["output"]),
            },
        )
        return price

    return cached(f"ai:price:{tier}", load)


def practice_tier(practice) -> str:
    def load():
        row = PracticeAISettings.objects.filter(practice=practice).first()
        return row.tier if row else settings.AI_DEFAULT_TIER

    return cached(f"ai:tier:{practice.pk}", load)


def practice_tier_set(*, practice, tier: str) -> None:
    ai_settings_set(practice=practice, ai_model=tier)


def ai_settings_row(practice) -> PracticeAISettings:
    """The practice's AI settings, or their defaults when the admin never saved any."""
    return PracticeAISettings.objects.filter(practice=practice).first() or PracticeAISettings(
        practice=practice, tier=settings.AI_DEFAULT_TIER
    )


def ai_settings(practice) -> dict:
    row = ai_settings_row(practice)
    return {
        "ai_model": row.tier,
        "audio_transcription": row.audio_transcription,
        "recording_retention_days": row.recording_retention_days,
        "note_format": row.note_format,
        "patient_summaries": row.patient_summaries,
    }


def ai_settings_set(*, practice, ai_model: str | None = None, **fields) -> None:
    if ai_model is not None:
        fields["tier"] = ai_model
    row, created = PracticeAISettings.objects.get_or_create(
        practice=practice, defaults={"tier": settings.AI_DEFAULT_TIER, **fields}
    )
    if not created and fields:
        for name, value in fields.items():
            setattr(row, name, value)
        row.save()
    forget(f"ai:tier:{practice.pk}")


# --- Charging around a provider call ---------------------------------------------------------


def _run(
    *, membership, operation: str, task: AITask, patient_id=None, stream: bool = False, save: Callable | None = None
):
    """Reserve → call → settle (or release). `save(completion, credits)` stores the result inside
    the settling transaction and returns (result, report_id)."""
    provider = get_provider()
    tier = practice_tier(membership.practice)
    price = price_for(tier)
    model = price.model_id
    if provider.is_offline:
        ceiling = Decimal("0")
    else:
        ceiling = billing.credits_for(
            input_tokens=len(task.system) + len(task.prompt),  # a token is at least one character
            output_tokens=task.max_output_tokens,
            input_price=price.input_price_per_million,
            output_price=price.output_price_per_million,
        )
    reservation = billing.credits_reserve(
        practice=membership.practice,
        amount=ceiling,
        actor=membership.user,
        operation=operation,
        patient_id=patient_id,
        tier=tier,
    )

    def settle(completion: Completion):
        credits = (
            Decimal("0")
            if provider.is_offline
            else billing.credits_for(
                input_tokens=completion.input_tokens,
                output_tokens=completion.output_tokens,
                input_price=price.input_price_per_million,
                output_price=price.output_price_per_million,
            )
        )
        metrics.AI_CALLS.labels(operation, completion.model, "ok").inc()
        metrics.CREDITS_USED.labels(operation).inc(float(credits))
        with transaction.atomic():
            result, report_id = save(completion, credits) if save else (None, None)
            billing.credits_settle(
                reservation=reservation,
                usage=billing.Usage(
                    credits=credits,
                    input_tokens=completion.input_tokens,
                    output_tokens=completion.output_tokens,
                    model=completion.model,
                    tier=tier,
                ),
                report_id=report_id,
            )
        return result, credits

    def release():
        metrics.AI_CALLS.labels(operation, model, "failed").inc()
        billing.credits_release(reservation=reservation)

    if stream:
        try:
            result = provider.stream(task, model=model)
        except Exception:
            release()
            raise
        return result, settle, release
    try:
        completion = provider.complete(task, model=model)
        result, credits = settle(completion)
    except Exception:
        release()
        raise
    return result, completion, credits


# --- Idempotency ----------------------------------------------------------------------------


def idempotent(*, membership, key: str | None, operation: str, produce: Callable[[], dict]) -> dict:
    """Run `produce` once per (practice, Idempotency-Key); a retry gets the stored answer."""
    if not key:
        return produce()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                practice=membership.practice, user=membership.user, key=key[:200], operation=operation
            )
    except IntegrityError:
        record = IdempotencyKey.objects.filter(practice=membership.practice, key=key[:200]).first()
        if record is not None and record.response is not None and record.operation == operation:
            return record.response
        raise Conflict(IDEMPOTENCY_IN_PROGRESS, code="idempotency_in_progress") from None
    try:
        response = produce()
    except Exception:
        record.delete()
        raise
    record.response = json.loads(json.dumps(response, default=str))
    record.save(update_fields=["response"])
    return record.response


# --- Progress reports -----------------------------------------------------------------------


def report_range(*, practice, params: dict) -> tuple[str, object, object, int | None]:
    """(range type, start date, end date, last N) from the three request shapes."""
    tz = ZoneInfo(practice.timezone)
    today = timezone.localtime(timezone=tz).date()
    kind = params.get("range_type") or RangeType.DATES
    if kind == RangeType.LAST_SESSIONS:
        return kind, None, None, params["last_sessions_count"]
    if kind == RangeType.FIXED_PERIOD:
        days = {FixedPeriod.LAST_MONTH: 30, FixedPeriod.LAST_3_MONTHS: 91, FixedPeriod.LAST_YEAR: 365}[
            params["fixed_period"]
        ]
        return kind, today - timedelta(days=days), today, None
    return RangeType.DATES, params["start_date"], params["end_date"], None


@replica_reads()  # the report's source data: a heavy read the replica may serve
def report_data(*, patient, start, end, last_n) -> prompts.ReportData:
    """The patient's completed records, assessments and goals in the range (this patient only)."""
    tz = ZoneInfo(patient.practice.timezone)
    sessions = Session.objects.filter(patient=patient).prefetch_related("addenda")
    chosen: list = []
    if last_n:
        chosen = list(sessions.filter(status=SessionStatus.COMPLETED).order_by("-starts_at")[:last_n])[::-1]
        if chosen:
            start, end = chosen[0].starts_at.astimezone(tz).date(), chosen[-1].starts_at.astimezone(tz).date()
    missed = 0
    if start and end:
        lower, upper = day_bounds(start, patient.practice.timezone)[0], day_bounds(end, patient.practice.timezone)[1]
        in_range = sessions.filter(starts_at__gte=lower, starts_at__lt=upper)
        if not last_n:
            chosen = list(in_range.filter(status=SessionStatus.COMPLETED).order_by("starts_at"))
        missed = in_range.filter(status=SessionStatus.NO_SHOW).count()
    ids = [s.id for s in chosen]
    points = [
        prompts.AssessmentPoint(
            day=a.session.starts_at.astimezone(tz).date(),
            type=a.type,
            value=a.score if a.score is not None else a.scale,
            severity=a.severity,
            label=a.label,
        )
        for a in Assessment.objects.filter(session_id__in=ids)
        .select_related("session")
        .order_by("session__starts_at", "created_at")
    ]
    goals = list(dict.fromkeys(g for s in chosen for g in s.goals))
    texts = []
    for s in chosen:
        body = html_text(s.content)
        addenda = [html_text(a.content) for a in s.addenda.all()]
        if addenda:
            body += "\nAdendas: " + " ".join(addenda)
        texts.append(prompts.SessionText(day=s.starts_at.astimezone(tz).date(), minutes=s.duration_minutes, text=body))
    return prompts.ReportData(
        patient_name=patient.name,
        period_start=start,
        period_end=end,
        sessions=texts,
        assessments=points,
        goals=goals,
        notes=patient.notes,
        missed=missed,
    )


AI_OPPOSED = _(
    "El paciente se opuso al procesamiento de sus datos con IA: no se envió nada al proveedor ni se cobraron créditos."
)
PROCESSING_BLOCKED = _(
    "El tratamiento de los datos de este paciente está bloqueado mientras se resuelve su solicitud: no se envió nada al proveedor."
)


def ai_processing_check(patient) -> None:
    """409 before anything is reserved or sent when the patient opposed AI processing or has
    processing blocked (Ley 21.719). Care goes on; only the AI does not."""
    if patient is None:
        return
    if patient.processing_blocked:
        raise Conflict(PROCESSING_BLOCKED, code="processing_blocked")
    if not patient.ai_processing:
        raise Conflict(AI_OPPOSED, code="ai_processing_opposed")


def redactor_for(*, patient=None, membership) -> Redactor:
    """Every identifier we know: the patient's (when there is one), the practice's people, and
    any of the practice's patients the text names (looked up in the name index per text)."""
    practice_id = membership.practice_id
    redactor = Redactor(
        name_lookup=lambda text: name_parts_in_text(practice_id=practice_id, text=text),
        unannounced_names=settings.AI_REDACT_UNANNOUNCED_NAMES,
    )
    if patient is not None:
        redactor.patient(patient.name)
        redactor.known("RUT", rut_format(patient.rut) if patient.rut else None)
        redactor.known("RUT", patient.rut)
        redactor.known("EMAIL", patient.email)
        redactor.known("TELEFONO", patient.phone)
        redactor.known("DIRECCION", (patient.address or {}).get("street"))
        contact = patient.emergency_contact or {}
        redactor.known("PERSONA", contact.get("name"))
        redactor.known("TELEFONO", contact.get("phone"))
    for member in membership.practice.memberships.select_related("user"):
        redactor.known_person(_without_title(member.user.name))
    return redactor


def _without_title(name: str) -> str:
    """ "Dra. Ana Silva" → "Ana Silva": notes name colleagues without the title."""
    return re.sub(r"^(?:Dr|Dra|Ps|Sr|Sra|Prof)\.?\s+", "", name.strip())


def _report_task(*, patient, membership, params):
    ai_processing_check(patient)
    kind, start, end, last_n = report_range(practice=membership.practice, params=params)
    data = report_data(patient=patient, start=start, end=end, last_n=last_n)
    if not data.sessions:
        raise ValidationFailed(NO_SESSIONS, code="no_sessions")
    redactor = redactor_for(patient=patient, membership=membership)
    task = AITask(
        system=prompts.SYSTEM_CLINICAL,
        prompt=prompts.report_prompt(data, redactor.redact),
        offline=lambda: prompts.report_offline(data),
    )
    return kind, data, redactor, task


def _store_report(*, membership, patient, kind, data, text, completion, credits, tier) -> AIReport:
    return AIReport.objects.create(
        practice=membership.practice,
        patient=patient,
        author=membership.user,
        range_type=kind,
        range_start=data.period_start,
        range_end=data.period_end,
        sessions_count=len(data.sessions),
        model=completion.model,
        tier=tier,
        input_tokens=completion.input_tokens,
        output_tokens=completion.output_tokens,
        credits=credits,
        content=text,
    )


def report_generate(*, membership, patient, params: dict) -> dict:
    """Generate and store a progress report: {report_content, report_id, credits_used, model}."""
    kind, data, redactor, task = _report_task(patient=patient, membership=membership, params=params)
    tier = practice_tier(membership.practice)

    def save(completion, credits):
        report = _store_report(
            membership=membership,
            patient=patient,
            kind=kind,
            data=data,
            text=redactor.restore(completion.text),
            completion=completion,
            credits=credits,
            tier=tier,
        )
        return report, report.id

    report, completion, credits = _run(
        membership=membership, operation=Operation.PROGRESS_REPORT, task=task, patient_id=patient.id, save=save
    )
    return {
        "report_content": report.content,
        "report_id": report.id,
        "credits_used": float(credits),
        "model": completion.model,
    }


def report_generate_stream(*, membership, patient, params: dict):
    """Server-sent events: `data: {"text": …}` chunks as the model writes, then one `done` event
    with {reportId, creditsUsed, model} once the report is stored and charged."""
    kind, data, redactor, task = _report_task(patient=patient, membership=membership, params=params)
    tier = practice_tier(membership.practice)
    state = {}

    def save(completion, credits):
        report = _store_report(
            membership=membership,
            patient=patient,
            kind=kind,
            data=data,
            text=redactor.restore(completion.text),
            completion=completion,
            credits=credits,
            tier=tier,
        )
        state["report"] = report
        return report, report.id

    result, settle, release = _run(
        membership=membership,
        operation=Operation.PROGRESS_REPORT,
        task=task,
        patient_id=patient.id,
        stream=True,
        save=save,
    )

    def events():
        try:
            for text in redactor.restore_stream(result):
                yield _sse({"text": text})
            report, credits = settle(result.completion)
        except Exception as exc:  # provider died mid-stream: nothing is charged
            release()
            logger.warning("report stream failed: %s", type(exc).__name__)
            message = getattr(exc, "message", None) or _("El servicio de IA no está disponible en este momento.")
            yield _sse({"message": str(message), "code": getattr(exc, "code", "ai_unavailable")}, event="error")
            return
        yield _sse({"report_id": str(report.id), "credits_used": float(credits), "model": report.model}, event="done")

    return events()


def _sse(payload: dict, event: str | None = None) -> str:
    body = json.dumps(camelize(payload), ensure_ascii=False)
    return (f"event: {event}\n" if event else "") + f"data: {body}\n\n"


# --- Documentation assistant ----------------------------------------------------------------


def documentation_process(
    *, membership, notes: str, instruction: str = "", fmt: str = "", mode: str = DocMode.MARKDOWN, patient=None
) -> dict:
    """Unstructured notes → Markdown (summary/SOAP/DAP/BIRP/default), or the four-section session
    HTML of the record form (sanitized)."""
    ai_processing_check(patient)
    plain = html_text(notes) if "<" in notes else notes
    if patient is None:  # no id sent: the patients the text names must not have opposed or be blocked
        ai_processing_check(
            ai_restricted_patient_named(practice_id=membership.practice_id, text=f"{plain}\n{instruction}")
        )
    redactor = redactor_for(patient=patient, membership=membership)
    if mode == DocMode.SESSION_HTML:
        task = AITask(
            system=prompts.SYSTEM_CLINICAL,
            prompt=prompts.session_structure_prompt(redactor.redact(plain)),
            offline=lambda: prompts.session_structure_offline(notes),
        )
        operation = Operation.SESSION_STRUCTURE
    else:
        task = AITask(
            system=prompts.SYSTEM_CLINICAL,
            prompt=prompts.documentation_prompt(redactor.redact(plain), redactor.redact(instruction), fmt),
            offline=lambda: prompts.documentation_offline(notes, instruction, fmt),
        )
        operation = Operation.DOCUMENTATION
    _, completion, credits = _run(
        membership=membership, operation=operation, task=task, patient_id=patient.id if patient else None
    )
    text = redactor.restore(completion.text)
    if mode == DocMode.SESSION_HTML:
        text = clean_clinical_html(_strip_fences(text))
    return {"structured_result": text, "credits_used": float(credits), "model": completion.model}


def _strip_fences(text: str) -> str:
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text
