"""Write operations on patients. Clinical records are archived, never destroyed."""

from django.db import IntegrityError, transaction

from accounts.choices import Role
from accounts.models import Membership
from patients import messages as msg
from patients.choices import PatientStatus
from patients.models import CareTeamMember, Patient
from sessai.errors import ValidationFailed

ADMIN_FIELDS = ("name", "rut", "email", "phone", "birth_date", "address", "emergency_contact", "status", "ai_processing")
CLINICAL_FIELDS = ("notes",)


def _practice_therapists(membership: Membership, user_ids) -> dict:
    """Active members of the practice who can treat patients (therapists and admins)."""
    members = Membership.objects.active().filter(
        practice_id=membership.practice_id, user_id__in=list(user_ids), role__in=[Role.THERAPIST, Role.ADMIN]
    ).select_related("user")
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
    CareTeamMember.objects.bulk_create([CareTeamMember(patient=patient, user_id=uid) for uid in wanted if uid not in existing])


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
    patient = Patient(practice_id=membership.practice_id, created_by_id=membership.user_id, primary_therapist=primary, **data)
    _save(patient)
    _care_team_write(patient, team)
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


def patient_session_stats_set(*, patient_id, total: int, first_date, last_date) -> None:
    """Called by scheduling after any change to a patient's sessions."""
    Patient.objects.filter(pk=patient_id).update(
        total_sessions=total, first_session_date=first_date, last_session_date=last_date
    )

