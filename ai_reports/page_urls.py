"""Route of the session summary's page (namespace `portal`, composed in sessai/urls.py). A new
`/p/<word>/…` prefix goes into accounts.validators.RESERVED_SLUGS too."""

from django.urls import path

from ai_reports import pages

urlpatterns = [
    path("p/resumen/<str:token>", pages.patient_summary, name="patient-summary"),
]
