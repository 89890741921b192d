"""ai_reports' writes: `reports` (AI settings, progress reports, documentation: pseudonymise,
call, charge) and `recordings` (the scribe: uploads, transcription, analysis, the draft note).
`summaries` holds a session's summary for the patient. The reports' names the views call are
re-exported here."""

from ai_reports.services.reports import (
    ai_processing_check,
    ai_settings,
    ai_settings_row,
    ai_settings_set,
    documentation_process,
    idempotent,
    practice_tier,
    practice_tier_set,
    price_for,
    redactor_for,
    report_data,
    report_generate,
    report_generate_stream,
    report_range,
)

__all__ = [
    "ai_processing_check",
    "ai_settings",
    "ai_settings_row",
    "ai_settings_set",
    "documentation_process",
    "idempotent",
    "practice_tier",
    "practice_tier_set",
    "price_for",
    "redactor_for",
    "report_data",
    "report_generate",
    "report_generate_stream",
    "report_range",
]
