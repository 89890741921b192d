"""What the patients app announces to the apps above it (which it never imports)."""

from django.dispatch import Signal

# A patient's rows were moved into another's: `source` (archived) and `target`, both Patient.
# Apps that keep per-patient figures (scheduling's session counts) recompute them.
patient_merged = Signal()
