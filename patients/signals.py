"""What the patients app announces to the apps above it (which it never imports)."""

from django.dispatch import Signal

# A patient's rows were moved into another's: `source` (archived) and `target`, both Patient.
# Apps that keep per-patient figures (scheduling's session counts) recompute them.
patient_merged = Signal()

# The patient signed (or revoked) a recording consent on their link: the scribe, which checks its
# own consent row before any audio leaves, follows. Sent inside the signing transaction.
recording_consent_signed = Signal()  # consent: patients.Consent
recording_consent_revoked = Signal()  # consent: patients.Consent
