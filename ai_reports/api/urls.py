from django.urls import path
from rest_framework.routers import SimpleRouter

from ai_reports.api import views

router = SimpleRouter(trailing_slash=False)
router.register("reports", views.ReportViewSet, basename="report")

urlpatterns = [
    path("ai/reports/generate", views.ReportGenerateView.as_view(), name="ai-report-generate"),
    path("ai/documentation/process", views.DocumentationView.as_view(), name="ai-documentation"),
    path("reports/download", views.ReportDownloadView.as_view(), name="report-download"),
    path("patients/<uuid:pk>/reports", views.PatientReportsView.as_view(), name="patient-reports"),
    path("admin/ai/settings", views.AISettingsView.as_view(), name="ai-settings"),
    *router.urls,
]
