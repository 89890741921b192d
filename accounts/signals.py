"""Signals other apps listen to without accounts importing them (apps depend one way)."""

import django.dispatch

# Sent inside the registration transaction; billing grants the trial credits on it.
practice_created = django.dispatch.Signal()

# Sent by `seed_demo` after the demo team exists; later apps add their demo rows on it (idempotently).
demo_seeded = django.dispatch.Signal()
