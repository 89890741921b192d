"""Write operations on patients. Clinical records are archived, never destroyed."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Membership
from patients import messages as msg
from patients.choices import PatientStatus
from patients.models import CareTeamMember, Consent, ExportPackage, Patient, PrivacyRequest
from patients.signals import patient_merged
from sessai.errors import Conflict, Forbidden, ValidationFailed

ADMIN_FIELDS = (
    "name",
    "rut",
    "email",
    "phone",
    "birth_date",
    "address",
    "emergency_contact",
    "status",
    "ai_processing",
)
CLINICAL_FIELDS = ("notes",)


def _practice_therapists(membership: Membership, user_ids) -> dict:
    """Active members of the practice who can treat patients (therapists and admins)."""
    members = (
        Membership.objects.active()
        .filter(practice_id=membership.practice_id, user_id__in=list(user_ids), role__in=[Role.THERAPIST, Role.ADMIN])
        .select_related("user")
    )
    return {m.user_id: m.user for m in members}


def _care_team_resolve(*, membership: Membership, primary_id, additional_ids) -> tuple:
    """Validate the care team: (primary user or None, ordered member ids)."""
    wanted = list(dict.fromkeys(i for i in [primary_id, *additional_ids] if i))
    found = _practice_therapists(membership, wanted)
    missing = [i for i in wanted if i not in found]
    if missing:
        field = "primaryTherapistId" if primary_id in missing else "therapistIds"
        raise ValidationFailed(msg.THERAPIST_INVALID, errors={field: [str(msg.THERAPIST_INVALID)]})
    return found.get(primary_id), wanted


def _care_team_write(patient: Patient, wanted: list) -> None:
    patient.care_team.exclude(user_id__in=wanted).delete()
    existing = set(patient.care_team.values_list("user_id", flat=True))
    CareTeamMember.objects.bulk_create(
        [CareTeamMember(patient=patient, user_id=uid) for uid in wanted if uid not in existing]
    )


def _save(patient: Patient) -> None:
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as exc:
        if "patient_rut_unique_per_practice" in str(exc):
            raise ValidationFailed(msg.RUT_TAKEN, errors={"rut": [str(msg.RUT_TAKEN)]}) from exc
        raise


@transaction.atomic
def patient_create(*, membership: Membership, data: dict) -> Patient:
    """Register a patient. Without a care team, a therapist creating it becomes its primary therapist."""
    primary_id = data.pop("primary_therapist_id", None)
    additional = data.pop("therapist_ids", None) or []
    if primary_id is None and membership.role == Role.THERAPIST:
        primary_id = membership.user_id
    if membership.role not in (Role.ADMIN, Role.THERAPIST):
        data.pop("notes", None)
    primary, team = _care_team_resolve(membership=membership, primary_id=primary_id, additional_ids=additional)
    if membership.role == Role.THERAPIST and membership.user_id not in team:
        team.append(membership.user_id)  # a therapist keeps access to the patient they register
    patient = Patient(
        practice_id=membership.practice_id, created_by_id=membership.user_id, primary_therapist=primary, **data
    )
    _save(patient)
    _care_team_write(patient, team)
    return patient


def _care_team_add(patient: Patient, user_id) -> None:
    CareTeamMember.objects.bulk_create([CareTeamMember(patient=patient, user_id=user_id)], ignore_conflicts=True)


@transaction.atomic
def patient_find_or_register(*, practice, therapist_id, name: str, email: str, phone: str, rut: str) -> Patient:
    """The patient behind a booking the person made themselves (online, or a wait-list claim),
    whose email they proved (a code, or a link we mailed there). An existing patient is matched
    only on that proven email, when exactly one active patient has it on file; a RUT proves
    nothing (anyone can type anyone's). Otherwise a new patient is registered; when the typed RUT
    or the email belongs to a patient on file, the new one keeps the RUT aside (`claimed_rut`) and
    is flagged for staff to merge (`duplicate_of`). Nothing about a matched patient changes but its
    care team: the booked therapist joins it, so they see whom they will treat."""
    candidates = Patient.objects.select_for_update().filter(practice=practice).exclude(status=PatientStatus.ARCHIVED)
    by_email = list(candidates.filter(email__iexact=email).order_by("created_at")[:2]) if email else []
    if len(by_email) == 1:
        patient = by_email[0]
    else:
        on_file = candidates.filter(rut=rut).first() if rut else None
        patient = Patient(
            practice=practice,
            name=name,
            email=email,
            phone=phone,
            primary_therapist_id=therapist_id,
            rut="" if on_file else rut,
            claimed_rut=rut if on_file else "",
            duplicate_of=on_file or (by_email[0] if by_email else None),
        )
        _save(patient)
    _care_team_add(patient, therapist_id)
    return patient


def patient_register(*, practice, primary_therapist, **data) -> Patient:
    """A patient registered outside a member's request (demo data, imports): the primary
    therapist joins the care team, as `patient_create` does."""
    patient = Patient(practice=practice, primary_therapist=primary_therapist, **data)
    _save(patient)
    if primary_therapist is not None:
        _care_team_add(patient, primary_therapist.pk)
    return patient


# patients' tables with a patient, besides the care team: a merged duplicate's rows move to the
# patient kept (the other apps move theirs on patient_merged).
MOVED_ON_MERGE = (Consent, PrivacyRequest, ExportPackage)


@transaction.atomic
def patient_merge(*, source: Patient, target_id) -> Patient:
    """Move everything recorded on `source` (sessions, assessments, consents, reports, requests…)
    to the patient `target_id` of the same practice, join the care teams, and archive `source`
    with `merged_at` and `duplicate_of` pointing at where it went. Administrative data of the
    target is kept; the source's rows are moved, never copied or deleted."""
    if str(source.pk) == str(target_id):
        raise ValidationFailed(msg.MERGE_SAME, errors={"targetId": [str(msg.MERGE_SAME)]})
    locked = {
        p.pk: p
        for p in Patient.objects.select_for_update().filter(
            practice_id=source.practice_id, pk__in=[source.pk, target_id]
        )
    }
    source, target = locked.get(source.pk), locked.get(target_id)
    if target is None or target.status == PatientStatus.ARCHIVED:
        raise ValidationFailed(msg.MERGE_TARGET_INVALID, errors={"targetId": [str(msg.MERGE_TARGET_INVALID)]})
    if source is None or source.status == PatientStatus.ARCHIVED:
        raise Conflict(msg.MERGE_SOURCE_ARCHIVED, code="invalid_state")
    for user_id in source.care_team.values_list("user_id", flat=True):
        _care_team_add(target, user_id)
    source.care_team.all().delete()
    for model in MOVED_ON_MERGE:  # patients' own rows; the other apps move theirs (patient_merged)
        model.objects.filter(patient=source).update(patient=target)
    if (
        not target.rut
        and source.claimed_rut
        and not Patient.objects.filter(practice_id=target.practice_id, rut=source.claimed_rut).exists()
    ):
        target.rut = source.claimed_rut
    target.save()
    source.status, source.merged_at, source.duplicate_of = PatientStatus.ARCHIVED, timezone.now(), target
    source.save(update_fields=["status", "merged_at", "duplicate_of", "updated_at"])
    patient_merged.send(sender=Patient, source=source, target=target)
    return target


@transaction.atomic
def patient_update(*, patient: Patient, membership: Membership, data: dict) -> Patient:
    """Update administrative fields (any role that sees the patient) and notes (clinical roles)."""
    primary_given = "primary_therapist_id" in data
    primary_id = data.pop("primary_therapist_id", None)
    additional = data.pop("therapist_ids", None)
    allowed = ADMIN_FIELDS + (CLINICAL_FIELDS if membership.role in (Role.ADMIN, Role.THERAPIST) else ())
    reason = (data.pop("ai_processing_reason", "") or "").strip()
    if data.get("ai_processing") is True and not patient.ai_processing:  # lifting the patient's opposition
        if membership.role != Role.ADMIN:
            raise Forbidden(msg.AI_LIFT_ADMIN)
        if not reason:
            raise ValidationFailed(msg.AI_LIFT_REASON, errors={"aiProcessingReason": [str(msg.AI_LIFT_REASON)]})
    if "ai_processing" in data and data["ai_processing"] != patient.ai_processing:
        patient.ai_processing_reason = reason  # audited with the change (django-auditlog diffs both fields)
    for field, value in data.items():
        if field in allowed:
            setattr(patient, field, value)
    team = None
    if primary_given or additional is not None:
        current_additional = [m.user_id for m in patient.care_team.all() if m.user_id != patient.primary_therapist_id]
        patient.primary_therapist, team = _care_team_resolve(
            membership=membership,
            primary_id=primary_id if primary_given else patient.primary_therapist_id,
            additional_ids=additional if additional is not None else current_additional,
        )
    _save(patient)
    if team is not None:
        _care_team_write(patient, team)
    return patient


def patient_archive(*, patient: Patient) -> Patient:
    """DELETE archives: the record stays (clinical records are kept at least 15 years in Chile)."""
    patient.status = PatientStatus.ARCHIVED
    patient.save(update_fields=["status", "updated_at"])
    return patient


def patient_summaries_opt_out_set(*, patient: Patient, opted_out: bool) -> Patient:
    """The patient's own choice, from a summary's page: no more session summaries by email (or
    again). Audited as any change to the record."""
    if patient.summaries_opt_out != opted_out:
        patient.summaries_opt_out = opted_out
        patient.save(update_fields=["summaries_opt_out", "updated_at"])
    return patient


def patient_session_stats_set(*, patient_id, total: int, first_date, last_date) -> None:
    """Called by scheduling after any change to a patient's sessions."""
    Patient.objects.filter(pk=patient_id).update(
        total_sessions=total, first_session_date=first_date, last_session_date=last_date
    )
