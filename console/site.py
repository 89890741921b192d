"""The operators' console: Django admin as "SessAI — Consola".

- **Sign-in**: the accounts the API uses (django-allauth's authentication backend and its TOTP
  and recovery-code authenticators). Every staff account needs TOTP: after the password, an
  operator with TOTP gives a code; one without it sets it up (QR code, then recovery codes) before
  any data page opens. Failed passwords count against the API login's rate limits; wrong codes
  end the attempt after `MFA_MAX_ATTEMPTS`. A console session ends after `CONSOLE_IDLE_MINUTES`
  without a request.
- **Headings**: one per domain, whatever app a model comes from (allauth's email addresses and
  authenticators sit with the accounts), with Spanish names for third-party models.
- **Index**: the operations dashboard (`console.dashboard`).

What each domain contributes (headings, Spanish names, the practice page's actions) is listed in
`console.registry`."""

import io
import time

from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts import services
from accounts.models import User
from accounts.services import mfa_code_valid
from console.dashboard import dashboard
from console.registry import DOMAINS, MODEL_NAMES
from sessai import scope
from sessai.api.ratelimit import authenticate_limited
from sessai.errors import RateLimited, ValidationFailed
from sessai.replica import replica_reads

MFA_OK = "console_mfa"  # set once this session has passed the second step
PENDING = "console_pending_uid"  # password checked, code not yet
PENDING_AT = "console_pending_at"  # when: the second step must follow within MFA_TOKEN_MAX_AGE
TRIES = "console_mfa_tries"
SETUP = "console_totp_setup"  # the setup in progress: secret, otpauth URL and the services' setup token
CODES = "console_codes"  # recovery codes just made, shown once before entering
SEEN = "console_seen"


WRONG_CODE = gettext_lazy("El código no es válido. Revisa la hora de tu teléfono e inténtalo de nuevo.")


class PasswordForm(forms.Form):
    username = forms.EmailField(
        label=gettext_lazy("Correo"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Contraseña"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Código de 6 dígitos o código de recuperación"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _qr_svg(url: str) -> str:
    import qrcode  # noqa: PLC0415 (heavy, loaded on first use)
    import qrcode.image.svg  # noqa: PLC0415 (heavy, loaded on first use)

    buffer = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    return buffer.getvalue().decode()


class ConsoleSite(admin.AdminSite):
    site_header = gettext_lazy("SessAI — Consola")
    site_title = gettext_lazy("SessAI — Consola")
    index_title = gettext_lazy("Panel de operaciones")
    index_template = "admin/console_index.html"

    # --- access --------------------------------------------------------------------------------

    def admin_view(self, view, cacheable=False):
        """Every console page runs on the `console` platform path (sessai.scope): it lists and
        counts across practices."""
        return super().admin_view(scope.view_on_platform("console", view), cacheable)

    def has_permission(self, request):
        if not (super().has_permission(request) and request.session.get(MFA_OK)):
            return False
        now = int(time.time())
        seen = request.session.get(SEEN, now)
        if now - seen > settings.CONSOLE_IDLE_MINUTES * 60:
            auth_logout(request)
            return False
        if now - seen >= 30 or SEEN not in request.session:  # not a session write on every click
            request.session[SEEN] = now
        return True

    @method_decorator(never_cache)  # the setup step shows the TOTP secret, the next the recovery codes
    def login(self, request, extra_context=None):
        """Password, then TOTP (or its setup). Each step answers the same page on a mistake."""
        next_url = request.GET.get("next") or request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user if request.user.is_authenticated and request.user.is_staff else None
        if user is not None and request.session.get(MFA_OK) and self.has_permission(request):
            return HttpResponseRedirect(next_url)
        if user is None and request.session.get(PENDING):
            if int(time.time()) - request.session.get(PENDING_AT, 0) > settings.MFA_TOKEN_MAX_AGE:
                for key in (PENDING, PENDING_AT, TRIES, SETUP):  # the password step is stale: again
                    request.session.pop(key, None)
            else:
                user = User.objects.filter(pk=request.session[PENDING], is_active=True, is_staff=True).first()
        context = {
            **self.each_context(request),
            "next": next_url,
            "title": _("Iniciar sesión"),
            **(extra_context or {}),
        }
        if user is None:
            return self._password_step(request, context, next_url)
        if _has_totp(user) and not request.session.get(CODES):  # codes just made are shown first
            return self._code_step(request, context, user, next_url)
        return self._setup_step(request, context, user, next_url)

    def _password_step(self, request, context, next_url):
        form = PasswordForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                user = authenticate_limited(
                    request, email=form.cleaned_data["username"].lower(), password=form.cleaned_data["password"]
                )
            except RateLimited as exc:
                form.add_error(None, exc.message)
                response = render(
                    request, "admin/console_login.html", {**context, "form": form, "step": "password"}, status=429
                )
                response["Retry-After"] = exc.headers["Retry-After"]
                return response
            if user is None or not user.is_active or not user.is_staff:
                form.add_error(
                    None, _("Correo o contraseña incorrectos, o la cuenta no es de un operador de la plataforma.")
                )
            else:
                request.session.cycle_key()
                request.session[PENDING], request.session[TRIES] = str(user.pk), 0
                request.session[PENDING_AT] = int(time.time())
                return HttpResponseRedirect(f"{request.path}?next={next_url}")
        return render(request, "admin/console_login.html", {**context, "form": form, "step": "password"})

    def _finish(self, request, user, next_url):
        for key in (PENDING, PENDING_AT, TRIES, SETUP):
            request.session.pop(key, None)
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[MFA_OK] = True
        request.session[SEEN] = int(time.time())
        return HttpResponseRedirect(next_url)

    def _wrong_code(self, request) -> bool:
        """Count a wrong code; True when the attempt is over (back to the password)."""
        request.session[TRIES] = request.session.get(TRIES, 0) + 1
        if request.session[TRIES] >= settings.MFA_MAX_ATTEMPTS:
            auth_logout(request)
            return True
        return False

    def _code_step(self, request, context, user, next_url):
        form = CodeForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            if mfa_code_valid(user=user, code=form.cleaned_data["code"]):
                return self._finish(request, user, next_url)
            if self._wrong_code(request):
                return HttpResponseRedirect(f"{request.path}?next={next_url}")
            form.add_error("code", WRONG_CODE)
        return render(request, "admin/console_login.html", {**context, "form": form, "step": "code", "person": user})

    def _setup_step(self, request, context, user, next_url):
        """Staff without TOTP set it up here before seeing any data, through the same services as
        the API's `/auth/mfa/totp/setup` and `/confirm`."""
        if request.session.get(CODES) and request.method == "POST" and request.POST.get("saved"):
            request.session.pop(CODES)
            return self._finish(request, user, next_url)
        if request.session.get(CODES):
            return render(
                request, "admin/console_login.html", {**context, "step": "codes", "codes": request.session[CODES]}
            )
        setup = request.session.get(SETUP) or services.mfa_totp_begin(user=user)
        request.session[SETUP] = setup
        form = CodeForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                request.session[CODES] = services.mfa_totp_confirm(
                    user=user, setup_token=setup["setup_token"], code=form.cleaned_data["code"]
                )
            except ValidationFailed as exc:
                if "setupToken" in (exc.errors or {}):  # the setup lived too long: a new secret
                    request.session.pop(SETUP, None)
                    return HttpResponseRedirect(f"{request.path}?next={next_url}")
                if self._wrong_code(request):
                    return HttpResponseRedirect(f"{request.path}?next={next_url}")
                form.add_error("code", WRONG_CODE)
            else:
                request.session.pop(SETUP, None)
                return HttpResponseRedirect(f"{request.path}?next={next_url}")
        return render(
            request,
            "admin/console_login.html",
            {
                **context,
                "form": form,
                "step": "setup",
                "person": user,
                "secret": setup["secret"],
                "qr": _qr_svg(setup["otpauth_url"]),
            },
        )

    # --- headings ------------------------------------------------------------------------------

    def get_app_list(self, request, app_label=None):
        apps_ = super().get_app_list(request, app_label)
        for app in apps_:
            for model in app["models"]:
                name = MODEL_NAMES.get((app["app_label"], model["object_name"].lower()))
                if name:
                    model["name"] = name
        if app_label:
            return apps_
        by_label = {app["app_label"]: app for app in apps_}
        grouped, used = [], set()
        for heading, members in DOMAINS:
            models = []
            for label, _model in members:
                if label in by_label:
                    models += by_label[label]["models"]
                    used.add(label)
            if models:
                first = next(by_label[label] for label, _m in members if label in by_label)
                grouped.append({**first, "name": heading, "models": models})
        rest = [m for app in apps_ if app["app_label"] not in used for m in app["models"]]
        if rest:
            grouped.append(
                {"name": _("Otros"), "app_label": "otros", "app_url": "", "has_module_perms": True, "models": rest}
            )
        return grouped

    def index(self, request, extra_context=None):
        with replica_reads():  # every practice's figures: a heavy read the replica may serve
            figures = dashboard()
        return super().index(request, {"dashboard": figures, **(extra_context or {})})
