"""patients' writes, one module a concern: `patients` (the record itself: create, find or register,
merge, update, archive), `consents`, `data_rights` (Ley 21.719 requests), `retention` (the end of
the retention period) and `record` (the readable copy and the export package). The record's
writes are re-exported here, as other apps call them."""

from patients.services.patients import (
    patient_archive,
    patient_create,
    patient_find_or_register,
    patient_merge,
    patient_register,
    patient_session_stats_set,
    patient_summaries_opt_out_set,
    patient_update,
)

__all__ = [
    "patient_archive",
    "patient_create",
    "patient_find_or_register",
    "patient_merge",
    "patient_register",
    "patient_session_stats_set",
    "patient_summaries_opt_out_set",
    "patient_update",
]
