"""Write operations on patients. Clinical records are archived, never destroyed."""

from django.db import IntegrityError, transaction

from accounts.choices import Role
from accounts.models import Membership
from patients import messages as msg
from patients.choices import PatientStatus
from patients.models import CareTeamMember, Patient
from sessai.errors import ValidationFailed

ADMIN_FIELDS = ("name", "rut", "email", "phone", "birth_date", "address", "emergency_contact", "status")
CLINICAL_FIELDS = ("notes",)


def _practice_therapists(membership: Membership, user_ids) -> dict:
    """Active members of the practice who can treat patients (therapists and admins)."""
    members = Membership.objects.active().filter(
        practice_id=membership.practice_id, user_id__in=list(user_ids), role__in=[Role.THERAPIST, Role.ADMIN]
    ).select_related("user")
    return {m.user_id: m.user for m in members}


def _set_care_team(patient: Patient, *, membership: Membership, primary_id, additional_ids) -> None:
    wanted = [i for i in [primary_id, *additional_ids] if i]
    found = _practice_therapists(membership, wanted)
    missing = [i for i in wanted if i not in found]
    if missing:
        field = "primaryTherapistId" if primary_id in missing else "therapistIds"
        raise ValidationFailed(msg.THERAPIST_INVALID, errors={field: [str(msg.THERAPIST_INVALID)]})
    patient.primary_therapist = found.get(primary_id)
    patient.save(update_fields=["primary_therapist", "updated_at"])
    patient.care_team.exclude(user_id__in=wanted).delete()
    existing = set(patient.care_team.values_list("user_id", flat=True))
    CareTeamMember.objects.bulk_create(
        [CareTeamMember(patient=patient, user_id=uid) for uid in dict.fromkeys(wanted) if uid not in existing]
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
    patient = Patient(practice_id=membership.practice_id, created_by_id=membership.user_id, **data)
    _save(patient)
    _set_care_team(patient, membership=membership, primary_id=primary_id, additional_ids=additional)
    if membership.role == Role.THERAPIST and not patient.care_team.filter(user_id=membership.user_id).exists():
        CareTeamMember.objects.create(patient=patient, user_id=membership.user_id)  # they keep access to what they created
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, membership: Membership, data: dict) -> Patient:
    """Update administrative fields (any role that sees the patient) and notes (clinical roles)."""
    primary_given = "primary_therapist_id" in data
    primary_id = data.pop("primary_therapist_id", None)
    additional = data.pop("therapist_ids", None)
    allowed = ADMIN_FIELDS + (CLINICAL_FIELDS if membership.role in (Role.ADMIN, Role.THERAPIST) else ())
    for field, value in data.items():
        if field in allowed:
            setattr(patient, field, value)
    _save(patient)
    if primary_given or additional is not None:
        current_additional = [m.user_id for m in patient.care_team.all() if m.user_id != patient.primary_therapist_id]
        _set_care_team(
            patient,
            membership=membership,
            primary_id=primary_id if primary_given else patient.primary_therapist_id,
            additional_ids=additional if additional is not None else current_additional,
        )
    return patient


def patient_archive(*, patient: Patient) -> Patient:
    """DELETE archives: the record stays (clinical records are kept at least 15 years in Chile)."""
    patient.status = PatientStatus.ARCHIVED
    patient.save(update_fields=["status", "updated_at"])
    return patient


def patient_session_stats_set(*, patient_id, total: int, first_date, last_date) -> None:
    """Called by scheduling after any change to a patient's sessions."""
    Patient.objects.filter(pk=patient_id).update(
        total_sessions=total, first_session_date=first_date, last_session_date=last_date
    )

