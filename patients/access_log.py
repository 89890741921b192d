"""Who read or changed a patient's record, and when (Decreto 41 asks the record system to keep
the dates and people who accessed each record): the audit trail's entries on the patient and on
every object that belongs to them, newest first. Entries are found by object id (UUIDs are unique
across tables) through the `(object_pk, timestamp)` index, whatever the size of the trail."""

from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType

# The audited models that belong to a patient: how each reaches its patient (for the patient's
# access log, and for the patients an incident may have touched) and the name the API gives it.
AUDITED = {
    ("patients", "patient"): ("pk", "patient"),
    ("patients", "careteammember"): ("patient_id", "patient"),
    ("patients", "consent"): ("patient_id", "consent"),
    ("scheduling", "session"): ("patient_id", "session"),
    ("scheduling", "addendum"): ("session__patient_id", "session"),
    ("scheduling", "assessment"): ("patient_id", "assessment"),
    ("scheduling", "attachment"): ("session__patient_id", "attachment"),
    ("ai_reports", "aireport"): ("patient_id", "report"),
    ("ai_reports", "recording"): ("session__patient_id", "recording"),
    ("ai_reports", "transcript"): ("session__patient_id", "transcript"),
    ("ai_reports", "recordingconsent"): ("patient_id", "consent"),
}
PATIENT_OF = {key: path for key, (path, _kind) in AUDITED.items()}
KINDS = {f"{app}.{model}": kind for (app, model), (_path, kind) in AUDITED.items()}
ACTIONS = {
    LogEntry.Action.CREATE: "create",
    LogEntry.Action.UPDATE: "update",
    LogEntry.Action.DELETE: "delete",
    LogEntry.Action.ACCESS: "read",
}


def object_ids(patient) -> list[str]:
    """Every audited object of the patient, as the audit trail stores ids (text)."""
    ids = {str(patient.pk)}
    for (app, model), path in PATIENT_OF.items():
        if path != "pk":
            ids.update(
                str(pk)
                for pk in apps.get_model(app, model).objects.filter(**{path: patient.pk}).values_list("pk", flat=True)
            )
    return sorted(ids)


def entries(patient, *, since=None, until=None):
    rows = (
        LogEntry.objects.filter(object_pk__in=object_ids(patient))
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-id")
    )
    if since:
        rows = rows.filter(timestamp__gte=since)
    if until:
        rows = rows.filter(timestamp__lt=until)
    return rows


def kind_of(entry) -> str:
    return KINDS.get(f"{entry.content_type.app_label}.{entry.content_type.model}", entry.content_type.model)


def patients_touched(*, since, until, practice_id=None) -> dict:
    """{patient_id: {"read": n, "changed": n}} for every patient whose record was read or changed in
    [since, until), from the audit trail (objects deleted since then cannot be traced back)."""
    types = {
        ContentType.objects.get_for_model(apps.get_model(app, model)).pk: (app, model) for app, model in PATIENT_OF
    }
    rows = LogEntry.objects.filter(timestamp__gte=since, timestamp__lt=until, content_type_id__in=types).values_list(
        "content_type_id", "object_pk", "action"
    )
    by_type: dict = {}
    for type_id, pk, action in rows.iterator(chunk_size=5000):
        counts = by_type.setdefault(type_id, {}).setdefault(pk, [0, 0])
        counts[0 if action == LogEntry.Action.ACCESS else 1] += 1
    touched: dict = {}
    for type_id, objects in by_type.items():
        app, model = types[type_id]
        path = PATIENT_OF[(app, model)]
        found = apps.get_model(app, model).objects.filter(pk__in=list(objects))
        if practice_id:
            found = found.filter(
                **{path.replace("patient_id", "patient__practice_id") if path != "pk" else "practice_id": practice_id}
            )
        for pk, patient_id in found.values_list("pk", path):
            reads, changes = objects[str(pk)]
            total = touched.setdefault(patient_id, {"read": 0, "changed": 0})
            total["read"] += reads
            total["changed"] += changes
    return touched
