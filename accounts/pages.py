"""Account pages the therapist UI does not have yet: set a new password from the reset email, and
accept an invitation. They call the same services as `POST /api/auth/reset-password` and
`/api/auth/accept-invitation` (single use, expiry, password rules) and count against the same
rate limits."""

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.models import Invitation, Practice
from sessai import scope
from sessai.errors import ValidationFailed
from sessai.pages import limited, page
from sessai.secrets import token_digest

RESET_LIMITS = [("password_reset_ip", "ip")]
INVITATION_LIMITS = [("register_ip", "ip")]


class NewPasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Nueva contraseña"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm = forms.CharField(
        label=gettext_lazy("Repite la contraseña"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def _apply(form, exc: ValidationFailed) -> None:
    for field, messages in (exc.errors or {}).items():
        target = {"password": "password", "confirmPassword": "confirm"}.get(field)
        for message in messages:
            form.add_error(target, message)


def _done(request, title):
    return page(
        request,
        "portal/message.html",
        {
            "title": title,
            "message": _("Ya puedes iniciar sesión en SessAI con tu nueva contraseña."),
            "link": f"{settings.FRONTEND_URL}/auth/login",
            "link_text": _("Iniciar sesión"),
        },
    )


def _link_invalid(request, exc: ValidationFailed):
    return page(
        request,
        "portal/message.html",
        {"title": _("Este enlace no es válido"), "message": str(exc.message)},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def reset_password(request):
    token = request.GET.get("token", "")[:200]
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and (refused := limited(request, RESET_LIMITS)):
        return refused
    if request.method == "GET":  # a used or expired link says so on opening, not after typing
        try:
            services.password_reset_user(token)
        except ValidationFailed as exc:
            return _link_invalid(request, exc)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.password_reset_confirm(
                    token=token, password=form.cleaned_data["password"], confirm=form.cleaned_data["confirm"]
                )
            except ValidationFailed as exc:
                if exc.code == "token_invalid":  # used in another tab meanwhile
                    return _link_invalid(request, exc)
                _apply(form, exc)
            else:
                return _done(request, _("Tu contraseña cambió"))
    return page(
        request,
        "portal/password.html",
        {
            "title": _("Elige una nueva contraseña"),
            "form": form,
            "submit": _("Guardar contraseña"),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@scope.found_in_practice(lambda request: services.invitation_named(request.GET.get("token", "")))
def accept_invitation(request):
    token = request.GET.get("token", "")[:200]
    invitation = (
        Invitation.objects.select_related("membership__practice", "membership__user", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
        if token
        else None
    )
    if invitation is None or not invitation.is_pending or not invitation.membership.is_active:
        return page(
            request,
            "portal/message.html",
            {"title": _("Esta invitación no es válida"), "message": _("La invitación es inválida o ha expirado")},
            status=400,
        )
    practice = invitation.membership.practice
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST":
        if refused := limited(request, INVITATION_LIMITS, practice=practice):
            return refused
        if form.is_valid():
            try:
                services.invitation_accept(
                    token=token,
                    password=form.cleaned_data["password"],
                    confirm=form.cleaned_data["confirm"],
                    request=request,
                )
            except ValidationFailed as exc:
                _apply(form, exc)
            else:
                return _done(request, _("¡Bienvenido a %(practice)s!") % {"practice": practice.name})
    return page(
        request,
        "portal/password.html",
        {
            "title": _("Únete a %(practice)s") % {"practice": practice.name},
            "intro": _("%(name)s te invitó a SessAI como %(role)s. Elige tu contraseña para entrar.")
            % {
                "name": invitation.invited_by.name if invitation.invited_by else practice.name,
                "role": invitation.membership.get_role_display().lower(),
            },
            "email": invitation.membership.user.email,
            "form": form,
            "submit": _("Crear mi cuenta"),
        },
        practice=practice,
        status=400 if form.errors else 200,
    )


def _image_type(field) -> str:
    """The logo's media type from its bytes (Pillow validated them on upload), not from its name:
    logos stored before their extension was kept (a GIF) have none."""
    from PIL import Image  # noqa: PLC0415 (heavy, loaded on first use)

    with field.open("rb") as handle:
        kind = Image.open(handle).format
    return Image.MIME.get(kind, "application/octet-stream")


def practice_logo(request, practice_id):
    """The practice's logo from our host (the pages' CSP allows images from 'self' only)."""
    practice = get_object_or_404(Practice, pk=practice_id, is_active=True)
    if not practice.logo:
        raise Http404
    response = FileResponse(practice.logo.open("rb"), content_type=_image_type(practice.logo))
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
