"""The consent page a patient opens from the practice's link (read, sign, or revoke), and the
link an admin receives to download a patient's export package."""

from django import forms
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from patients.services import consents, record
from sessai import scope
from sessai.audit import acting_as, record_access
from sessai.errors import Conflict, ValidationFailed
from sessai.pages import client_meta, limited, link_problem, page

LIMITS = [("patient_link_ip", "ip")]


class SignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nombre completo"), max_length=200)
    accepted = forms.BooleanField(label=gettext_lazy("Leí el texto y doy mi consentimiento"), required=False)


@require_http_methods(["GET", "POST"])
@scope.found_in_practice(
    lambda request, token: consents.consent_from_token(token), errors=(consents.ConsentLinkInvalid,)
)
def consent(request, token):
    if request.method == "POST" and (refused := limited(request, LIMITS)):
        return refused
    try:
        item = consents.consent_from_token(token)
    except consents.ConsentLinkInvalid:
        return link_problem(request, expired=False)
    form = SignForm(request.POST or None)
    notice = error = None
    status = 200
    if request.method == "POST":
        meta = client_meta(request)
        try:
            if request.POST.get("action") == "revoke":
                item = consents.consent_revoke(consent=item, ip=meta["ip"], user_agent=meta["user_agent"])
                notice = _("Revocaste este consentimiento. Avisamos a tu consulta.")
            elif form.is_valid():
                item = consents.consent_sign(
                    consent=item,
                    name=form.cleaned_data["name"],
                    accepted=form.cleaned_data["accepted"],
                    ip=meta["ip"],
                    user_agent=meta["user_agent"],
                )
                notice = _("¡Listo! Tu firma quedó registrada.")
                form = SignForm()
            else:
                status = 400
        except ValidationFailed as exc:
            for field, messages in (exc.errors or {}).items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
            status = 400
        except Conflict as exc:
            error, status = exc.message, 409
    return page(
        request,
        "portal/consent.html",
        {
            "consent": item,
            "form": form,
            "notice": notice,
            "error": error,
            "can_sign": consents.can_sign(item),
            "expired": item.signed_at is None and item.revoked_at is None and not consents.can_sign(item),
        },
        practice=item.practice,
        status=status,
    )


@require_GET
@scope.found_in_practice(lambda request, pk, token: record.package_from_token(pk, token))
def export_package(request, pk, token):
    """The ZIP, while the link lives and its requester is still an admin there; each download is
    audited as an export of the patient by that admin."""
    if refused := limited(request, LIMITS):
        return refused
    package = record.package_from_token(pk, token)
    if package is None:
        return page(
            request,
            "portal/message.html",
            {
                "title": _("Este enlace no está disponible"),
                "message": _(
                    "El enlace expiró o ya no tienes acceso. Pide una nueva exportación desde la ficha del paciente."
                ),
            },
            status=404,
        )
    with acting_as(package.requested_by, remote_addr=request.META.get("REMOTE_ADDR")):
        record_access(package.patient)
    response = FileResponse(
        package.file.open("rb"),
        as_attachment=True,
        filename=f"paciente-{package.patient_id}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response
