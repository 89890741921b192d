"""What the patients app announces to the apps above it (which it never imports)."""

from django.dispatch import Signal

# A duplicate patient was merged into another: `source` (archived) and `target`, both Patient,
# sent inside the merge's transaction. Each app that keeps rows about a patient moves its own to
# `target` (scheduling: sessions, assessments; ai_reports: reports, recording consents) and
# recomputes its per-patient figures. A test fails when a table with a patient is left out.
patient_merged = Signal()

# The patient signed (or revoked) a recording consent on their link: the scribe, which checks its
# own consent row before any audio leaves, follows. Sent inside the signing transaction.
recording_consent_signed = Signal()  # consent: patients.Consent
recording_consent_revoked = Signal()  # consent: patients.Consent
