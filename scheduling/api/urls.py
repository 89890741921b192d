from django.urls import path
from rest_framework.routers import SimpleRouter

from scheduling.api import booking_views, calendar_views, measurement_views, views

router = SimpleRouter(trailing_slash=False)
router.register("sessions", views.SessionViewSet, basename="session")
router.register("blocked-times", calendar_views.BlockedTimeViewSet, basename="blocked-time")
router.register("admin/waitlist", booking_views.WaitlistViewSet, basename="waitlist")
router.register("risk-alerts", measurement_views.RiskAlertViewSet, basename="risk-alert")

urlpatterns = [
    path("patients/<uuid:pk>/sessions", views.PatientSessionsView.as_view(), name="patient-sessions"),
    path("patients/<uuid:pk>/assessments", views.PatientAssessmentsView.as_view(), name="patient-assessments"),
    path(
        "patients/<uuid:pk>/measurement-plan", measurement_views.MeasurementPlanView.as_view(), name="measurement-plan"
    ),
    path("attachments/<uuid:pk>/download", views.AttachmentDownloadView.as_view(), name="attachment-download"),
    path("therapists", calendar_views.TherapistListView.as_view(), name="therapists"),
    path("admin/team/<uuid:pk>/schedule", calendar_views.WeeklyScheduleView.as_view(), name="team-schedule"),
    path("availability", calendar_views.FreeSlotsView.as_view(), name="availability"),
    path("admin/calendar/settings", calendar_views.CalendarSettingsView.as_view(), name="calendar-settings"),
    path("admin/booking/settings", booking_views.BookingSettingsView.as_view(), name="booking-settings"),
    path("admin/booking/logo", booking_views.BookingLogoView.as_view(), name="booking-logo"),
    path("calendar/feed", calendar_views.CalendarFeedView.as_view(), name="calendar-feed"),
    path("calendar/<uuid:therapist_id>.ics", calendar_views.CalendarIcsView.as_view(), name="calendar-ics"),
    path("dashboard", views.DashboardView.as_view(), name="dashboard"),
    path("outcomes", measurement_views.PracticeOutcomesView.as_view(), name="outcomes"),
    path("patients/<uuid:pk>/outcomes", measurement_views.PatientOutcomesView.as_view(), name="patient-outcomes"),
    *router.urls,
]
