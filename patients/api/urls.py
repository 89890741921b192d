from rest_framework.routers import SimpleRouter

from patients.api import views

router = SimpleRouter(trailing_slash=False)
router.register("patients", views.PatientViewSet, basename="patient")

urlpatterns = router.urls
