from django.urls import path
from rest_framework.routers import SimpleRouter

from ai_reports.api import recordings, summaries, views

router = SimpleRouter(trailing_slash=False)
router.register("reports", views.ReportViewSet, basename="report")
router.register("sessions", recordings.SessionRecordingViewSet, basename="session-recording")
router.register("sessions", summaries.SessionSummaryViewSet, basename="session-summary")

urlpatterns = [
    path("ai/reports/generate", views.ReportGenerateView.as_view(), name="ai-report-generate"),
    path("ai/documentation/process", views.DocumentationView.as_view(), name="ai-documentation"),
    path("reports/download", views.ReportDownloadView.as_view(), name="report-download"),
    path("patients/<uuid:pk>/reports", views.PatientReportsView.as_view(), name="patient-reports"),
    path("admin/ai/settings", views.AISettingsView.as_view(), name="ai-settings"),
    path("patients/<uuid:pk>/recording-consent", recordings.RecordingConsentView.as_view(), name="recording-consent"),
    *router.urls,
]
