"""Who read or changed a patient's record, and when (Decreto 41 asks the record system to keep
the dates and people who accessed each record): the audit trail's entries on the patient and on
every object that belongs to them, newest first. Entries are found by object id (UUIDs are unique
across tables) through the `(object_pk, timestamp)` index, whatever the size of the trail."""

from auditlog.models import LogEntry
from django.apps import apps

# The audited models that belong to a patient, with how to reach their ids, and the name the API
# gives them.
KINDS = {
    "patients.patient": "patient", "patients.careteammember": "patient", "patients.consent": "consent",
    "scheduling.session": "session", "scheduling.addendum": "session", "scheduling.assessment": "assessment",
    "scheduling.attachment": "attachment", "ai_reports.aireport": "report", "ai_reports.recording": "recording",
    "ai_reports.transcript": "transcript", "ai_reports.recordingconsent": "consent",
}
ACTIONS = {LogEntry.Action.CREATE: "create", LogEntry.Action.UPDATE: "update", LogEntry.Action.DELETE: "delete",
           LogEntry.Action.ACCESS: "read"}


def object_ids(patient) -> list[str]:
    """Every audited object of the patient, as the audit trail stores ids (text)."""
    model = apps.get_model
    sessions = list(model("scheduling", "Session").objects.filter(patient=patient).values_list("pk", flat=True))
    ids = [patient.pk, *sessions]
    ids += model("patients", "CareTeamMember").objects.filter(patient=patient).values_list("pk", flat=True)
    ids += model("patients", "Consent").objects.filter(patient=patient).values_list("pk", flat=True)
    ids += model("scheduling", "Addendum").objects.filter(session__patient=patient).values_list("pk", flat=True)
    ids += model("scheduling", "Assessment").objects.filter(patient=patient).values_list("pk", flat=True)
    ids += model("scheduling", "Attachment").objects.filter(session__patient=patient).values_list("pk", flat=True)
    ids += model("ai_reports", "AIReport").objects.filter(patient=patient).values_list("pk", flat=True)
    ids += model("ai_reports", "Recording").objects.filter(session__patient=patient).values_list("pk", flat=True)
    ids += model("ai_reports", "RecordingConsent").objects.filter(patient=patient).values_list("pk", flat=True)
    return [str(pk) for pk in ids]


def entries(patient, *, since=None, until=None):
    rows = (LogEntry.objects.filter(object_pk__in=object_ids(patient))
            .select_related("actor", "content_type").order_by("-timestamp", "-id"))
    if since:
        rows = rows.filter(timestamp__gte=since)
    if until:
        rows = rows.filter(timestamp__lt=until)
    return rows


def kind_of(entry) -> str:
    return KINDS.get(f"{entry.content_type.app_label}.{entry.content_type.model}", entry.content_type.model)
