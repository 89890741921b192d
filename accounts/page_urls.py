"""Routes of the account pages (namespace `portal`, composed with the other apps' in sessai/urls.py)."""

from django.urls import path

from accounts import pages

urlpatterns = [
    path("cuenta/restablecer-contrasena", pages.reset_password, name="reset-password"),
    path("cuenta/invitacion", pages.accept_invitation, name="accept-invitation"),
    path("p/logo/<uuid:practice_id>", pages.practice_logo, name="logo"),
]
