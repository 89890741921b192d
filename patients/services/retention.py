"""The end of the retention period (Decreto 41: the clinical record is kept at least
`RETENTION_YEARS`, counted from the last clinical entry). Past it, a patient may be anonymized:

- the name becomes "Paciente anonimizado"; RUT, contact, birth date, address, emergency contact
  and the record's notes are cleared;
- session contents, addenda, reports, attachments, recordings and transcripts are deleted from the
  database and their files from storage (each app erases its own rows: `register_eraser`);
- dates, counts, ledger rows and audit entries stay, but no identifier stays in clear: the audit
  entries of the patient's objects are scrubbed of the old name, RUT, email, phone and address
  through the one exception the audit log's append-only trigger allows (`sessai.audit_scrub`).

Anonymizing is idempotent (an anonymized patient is never picked again) and written to the audit
log as the patient's update, with `anonymizedAt`."""

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateField, Exists, Max, OuterRef
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accounts import emails
from patients.access_log import object_ids
from patients.choices import PatientStatus
from patients.models import Consent, ExportPackage, Patient, PrivacyRequest
from patients.rut import rut_format

ANONYMOUS_NAME = "Paciente anonimizado"
SCRUBBED = "[anonimizado]"


@dataclass
class Erasure:
    """What one anonymization touches: the identifiers to scrub, the audited objects whose audit
    entries must be scrubbed (ids as the audit log stores them) and the files to delete once the
    transaction commits."""

    patient: Patient
    identifiers: list[str]
    object_ids: set[str] = field(default_factory=set)
    files: list = field(default_factory=list)

    def __post_init__(self):
        # Identifiers of 3+ characters (shorter ones would match inside unrelated text), longest
        # first so "12.345.678-5" goes before "12345678".
        self.terms = sorted({i for i in self.identifiers if len(i) >= 3}, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(t) for t in self.terms), re.IGNORECASE) if self.terms else None

    def scrub(self, value):
        """Any string, list or dict with every identifier replaced."""
        if self._pattern is None or value is None:
            return value
        if isinstance(value, str):
            return self._pattern.sub(SCRUBBED, value)
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        return value

    def add_files(self, field_files) -> None:
        self.files += [f for f in field_files if f]


_erasers: list[Callable[[Erasure], None]] = []


def register_eraser(eraser: Callable[[Erasure], None]) -> None:
    """`eraser(erasure)` deletes or clears the app's clinical rows of `erasure.patient`, adding the
    ids of the audited objects it touched and the files to delete. Apps register from ready()."""
    if eraser not in _erasers:
        _erasers.append(eraser)


def _years_later(day: date, years: int) -> date:
    """`day` moved by `years` (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def cutoff(today: date | None = None) -> date:
    """Patients whose last clinical entry is on or before this date are past retention."""
    return _years_later(today or timezone.localdate(), -settings.RETENTION_YEARS)


def retention_ends(patient: Patient) -> date:
    """When the record may be suppressed, by the rule `due` applies: RETENTION_YEARS after the
    last completed session (or the record's creation), or after any later session of any status."""
    Session = apps.get_model("scheduling", "Session")
    last = patient.last_session_date or patient.created_at.date()
    latest = Session.objects.filter(patient=patient).aggregate(latest=Max("starts_at"))["latest"]
    if latest is not None:
        last = max(last, timezone.localdate(latest))
    return _years_later(last, settings.RETENTION_YEARS)


def due(*, practice_id=None, today: date | None = None):
    """Patients past retention: their last completed session (or, with none, the record's
    creation) is on or before the cutoff, and no session of any status (a scheduled one, a
    cancellation) lies after it."""
    Session = apps.get_model("scheduling", "Session")
    limit = cutoff(today)
    since = timezone.make_aware(timezone.datetime.combine(limit + timedelta(days=1), timezone.datetime.min.time()))
    last = Coalesce("last_session_date", Cast("created_at", DateField()))
    later = Session.objects.filter(patient=OuterRef("pk"), starts_at__gte=since)
    patients = (
        Patient.objects.filter(anonymized_at__isnull=True)
        .alias(last_entry=last)
        .filter(last_entry__lte=limit)
        .exclude(Exists(later))
        .annotate(last_entry=last)
    )
    if practice_id:
        patients = patients.filter(practice_id=practice_id)
    return patients.select_related("practice").order_by("practice__name", "last_entry", "id")


IDENTIFYING_FIELDS = ("name", "rut", "email", "phone", "address", "emergency_contact")


def _as_dict(value) -> dict:
    """A JSON field as the audit diff wrote it (`str(dict)`)."""
    if isinstance(value, dict):
        return value
    try:
        parsed = ast.literal_eval(value) if isinstance(value, str) and value.startswith("{") else {}
    except (ValueError, SyntaxError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _variants(field_name: str, value) -> list[str]:
    if field_name in ("address", "emergency_contact"):
        data = _as_dict(value)
        # the street and the emergency contact's name and phone identify; a city or "madre" does not
        return [data.get(k) for k in ("street", "name", "phone") if isinstance(data.get(k), str)]
    value = str(value or "")
    if not value or value == "None":
        return []
    if field_name == "rut":
        normal = re.sub(r"[^0-9kK]", "", value)
        return (
            [value, normal, rut_format(normal), rut_format(normal).replace(".", ""), normal[:-1]]
            if len(normal) >= 7
            else [value]
        )
    if field_name == "phone":
        digits = re.sub(r"\D", "", value)
        return [value, digits, digits[-9:]] if len(digits) >= 8 else [value]
    return [value]


def identifiers(patient: Patient) -> list[str]:
    """The patient's identifiers now and every earlier value the audit trail kept of them (a phone
    changed years ago is still in the diff)."""
    values = []
    for field_name in IDENTIFYING_FIELDS:
        values += _variants(field_name, getattr(patient, field_name))
    history = LogEntry.objects.filter(
        object_pk=str(patient.pk), content_type__app_label="patients", content_type__model="patient"
    ).values_list("changes", flat=True)
    for changes in history:
        for field_name in IDENTIFYING_FIELDS:
            for value in (changes or {}).get(field_name) or []:
                values += _variants(field_name, value)
    return sorted({v.strip() for v in values if v and v.strip()})


def _scrub_audit(erasure: Erasure) -> int:
    """Replace the identifiers in the audit entries of the patient's objects (the diffs, the
    object's name, the serialized copy) and drop the address of entries the patient made through
    a link. The rows themselves stay: the trigger refuses DELETE even here."""
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('sessai.audit_scrub', 'on', true)")
    try:
        for entry in LogEntry.objects.filter(object_pk__in=erasure.object_ids).iterator(chunk_size=500):
            values = {
                "changes": erasure.scrub(entry.changes),
                "changes_text": erasure.scrub(entry.changes_text),
                "object_repr": erasure.scrub(entry.object_repr),
                "serialized_data": erasure.scrub(entry.serialized_data),
                "additional_data": erasure.scrub(entry.additional_data),
            }
            if entry.actor_id is None and entry.remote_addr:
                values["remote_addr"] = None
            if any(getattr(entry, k) != v for k, v in values.items()):
                LogEntry.objects.filter(pk=entry.pk).update(**values)
                changed += 1
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('sessai.audit_scrub', 'off', true)")
    return changed


def _erase_own(erasure: Erasure) -> None:
    patient = erasure.patient
    consents = list(Consent.objects.filter(patient=patient))
    for consent in consents:
        consent.text = erasure.scrub(consent.text)
        consent.signed_name, consent.signed_rut, consent.signed_ip, consent.signed_user_agent = "", "", None, ""
        consent.revoked_ip, consent.revoked_user_agent = None, ""
        consent.save()
    erasure.object_ids.update(str(c.pk) for c in consents)
    for request in PrivacyRequest.objects.filter(patient=patient):
        request.channel, request.resolution = erasure.scrub(request.channel), erasure.scrub(request.resolution)
        request.extension_reason = erasure.scrub(request.extension_reason)
        request.save(update_fields=["channel", "resolution", "extension_reason"])
        erasure.object_ids.add(str(request.pk))
    packages = list(ExportPackage.objects.filter(patient=patient).exclude(file=""))
    erasure.add_files(p.file for p in packages)
    ExportPackage.objects.filter(pk__in=[p.pk for p in packages]).update(file="")
    # Emails still waiting in the outbox (a sent one's body is already cleared) and their subjects:
    # this practice's mail only (accounts owns the outbox).
    if erasure.terms:
        emails.outbox_scrub(
            practice_id=patient.practice_id, address=patient.email, terms=erasure.terms, replacement=SCRUBBED
        )


@transaction.atomic
def anonymize(patient: Patient) -> bool:
    """Anonymize one patient past retention. False when already done."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.anonymized_at is not None:
        return False
    erasure = Erasure(patient=patient, identifiers=identifiers(patient))
    erasure.object_ids.update(object_ids(patient))
    for eraser in [_erase_own, *_erasers]:
        eraser(erasure)
    patient.name, patient.rut, patient.email, patient.phone = ANONYMOUS_NAME, "", "", ""
    patient.birth_date, patient.address, patient.emergency_contact, patient.notes = None, {}, {}, ""
    patient.status, patient.ai_processing, patient.anonymized_at = PatientStatus.ARCHIVED, False, timezone.now()
    patient.save()
    _scrub_audit(erasure)
    files = list(erasure.files)
    transaction.on_commit(lambda: _delete_files(files))
    return True


def _delete_files(files) -> None:
    for field_file in files:
        field_file.storage.delete(field_file.name)
