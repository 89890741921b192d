"""Routes of the patients' consent and export pages (namespace `portal`, composed in sessai/urls.py)."""

from django.urls import path

from patients import pages

urlpatterns = [
    path("p/consentimiento/<str:token>", pages.consent, name="consent"),
    path("exportacion/<uuid:pk>/<str:token>", pages.export_package, name="export-package"),
]
