from django.urls import path
from rest_framework.routers import SimpleRouter

from patients.api import consents, privacy, views

router = SimpleRouter(trailing_slash=False)
router.register("patients", views.PatientViewSet, basename="patient")
router.register("privacy/requests", privacy.PrivacyRequestViewSet, basename="privacy-request")

urlpatterns = [
    path("patients/<uuid:pk>/consents", consents.PatientConsentsView.as_view(), name="patient-consents"),
    *router.urls,
]
