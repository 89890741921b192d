from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter(trailing_slash=False)
router.register("auth/sessions", views.DeviceSessionViewSet, basename="device-session")
router.register("admin/team", views.TeamViewSet, basename="team")

urlpatterns = [
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/mfa/verify", views.MfaVerifyView.as_view(), name="auth-mfa-verify"),
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/forgot-password", views.ForgotPasswordView.as_view(), name="auth-forgot-password"),
    path("auth/reset-password", views.ResetPasswordView.as_view(), name="auth-reset-password"),
    path("auth/verify-email", views.VerifyEmailView.as_view(), name="auth-verify-email"),
    path("auth/resend-verification", views.ResendVerificationView.as_view(), name="auth-resend-verification"),
    path("auth/accept-invitation", views.AcceptInvitationView.as_view(), name="auth-accept-invitation"),
    path("auth/profile", views.ProfileView.as_view(), name="auth-profile"),
    path("profile", views.ProfileView.as_view(), name="profile"),
    path("auth/profile/photo", views.ProfilePhotoView.as_view(), name="auth-profile-photo"),
    path("auth/change-password", views.ChangePasswordView.as_view(), name="auth-change-password"),
    path("auth/mfa", views.MfaStatusView.as_view(), name="auth-mfa"),
    path("auth/mfa/totp/setup", views.MfaTotpSetupView.as_view(), name="auth-mfa-totp-setup"),
    path("auth/mfa/totp/confirm", views.MfaTotpConfirmView.as_view(), name="auth-mfa-totp-confirm"),
    path("auth/mfa/totp/disable", views.MfaTotpDisableView.as_view(), name="auth-mfa-totp-disable"),
    path("auth/mfa/recovery-codes", views.MfaRecoveryCodesView.as_view(), name="auth-mfa-recovery-codes"),
    path("admin/users/stats", views.UserStatsView.as_view(), name="admin-user-stats"),
    *router.urls,
]
