"""OpenAPI extensions: document our device-session JWT authentication as the Bearer scheme."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class DeviceSessionJWTScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.DeviceSessionJWTAuthentication"
    name = "bearerAuth"
