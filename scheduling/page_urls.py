"""Routes of the appointment, online-booking and wait-list pages (namespace `portal`, composed in
sessai/urls.py). A new `/p/<word>/…` prefix goes into accounts.validators.RESERVED_SLUGS too."""

from django.urls import path

from scheduling import pages as questionnaire_pages
from scheduling.booking import pages

urlpatterns = [
    path("p/cita/<str:token>", pages.appointment, name="appointment"),
    path("p/lista-de-espera/<str:token>", pages.waitlist_claim, name="waitlist-claim"),
    path("p/cuestionario/<str:token>", questionnaire_pages.questionnaire, name="questionnaire"),
    path("p/<slug:slug>/reservar", pages.booking, name="booking"),
    path("p/<slug:slug>/reservar/datos", pages.booking_details, name="booking-details"),
    path("p/<slug:slug>/verificar/<uuid:code_id>", pages.verify, name="verify"),
    path("p/<slug:slug>/lista-de-espera", pages.waitlist, name="waitlist"),
]
