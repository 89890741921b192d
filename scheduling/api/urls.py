from django.urls import path
from rest_framework.routers import SimpleRouter

from scheduling.api import views

router = SimpleRouter(trailing_slash=False)
router.register("sessions", views.SessionViewSet, basename="session")

urlpatterns = [
    path("patients/<uuid:pk>/sessions", views.PatientSessionsView.as_view(), name="patient-sessions"),
    path("patients/<uuid:pk>/assessments", views.PatientAssessmentsView.as_view(), name="patient-assessments"),
    path("attachments/<uuid:pk>/download", views.AttachmentDownloadView.as_view(), name="attachment-download"),
    *router.urls,
]
