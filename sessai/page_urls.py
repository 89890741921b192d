"""Server-rendered pages for patients and invitees (no account, no token in a header: the signed
link is the credential). Namespace `portal`."""

from django.urls import path

from accounts import pages as account_pages
from patients import pages as patient_pages
from scheduling import pages as scheduling_pages
from sessai.portal import practice_logo

app_name = "portal"

urlpatterns = [
    path("cuenta/restablecer-contrasena", account_pages.reset_password, name="reset-password"),
    path("cuenta/invitacion", account_pages.accept_invitation, name="accept-invitation"),
    path("p/cita/<str:token>", scheduling_pages.appointment, name="appointment"),
    path("p/lista-de-espera/<str:token>", scheduling_pages.waitlist_claim, name="waitlist-claim"),
    path("p/consentimiento/<str:token>", patient_pages.consent, name="consent"),
    path("exportacion/<uuid:pk>/<str:token>", patient_pages.export_package, name="export-package"),
    path("p/logo/<uuid:practice_id>", practice_logo, name="logo"),
    path("p/<slug:slug>/reservar", scheduling_pages.booking, name="booking"),
    path("p/<slug:slug>/reservar/datos", scheduling_pages.booking_details, name="booking-details"),
    path("p/<slug:slug>/verificar/<uuid:code_id>", scheduling_pages.verify, name="verify"),
    path("p/<slug:slug>/lista-de-espera", scheduling_pages.waitlist, name="waitlist"),
]
