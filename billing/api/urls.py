from django.urls import path

from billing.api import views

urlpatterns = [
    path("admin/billing/summary", views.BillingSummaryView.as_view(), name="billing-summary"),
    path("admin/billing/history", views.BillingHistoryView.as_view(), name="billing-history"),
    path("admin/billing/history.csv", views.BillingHistoryCsvView.as_view(), name="billing-history-csv"),
    path("admin/billing/daily", views.BillingDailyView.as_view(), name="billing-daily"),
]
