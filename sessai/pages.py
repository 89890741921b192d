"""What every server-rendered page for patients and invitees shares: the practice's branding
(name, logo, colour with a readable text colour), rate limits answered as a page, the CSRF
failure page, and client metadata for signatures. The pages themselves live in their apps
(`<app>/pages.py`, routed by `<app>/page_urls.py` under the `portal` namespace)."""

from django.middleware import csrf
from django.shortcuts import render
from django.utils.translation import gettext as _

from sessai.api.ratelimit import add_headers, enforce
from sessai.errors import RateLimited


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def readable_on(color: str) -> str:
    """Black or white, whichever contrasts more with `color` (WCAG relative luminance)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def branding(practice) -> dict:
    """`practice` is an accounts.Practice, or None for SessAI's own look."""
    if practice is None:
        return {"brand_name": "SessAI", "brand_color": "#1f6feb", "brand_text": "#ffffff", "brand_logo": False}
    return {
        "brand_name": practice.name,
        "brand_color": practice.brand_color,
        "brand_text": readable_on(practice.brand_color),
        "brand_logo": bool(practice.logo),
        "brand_practice": practice,
    }


def page(request, template: str, context: dict, *, practice=None, status: int = 200):
    response = render(request, template, {**branding(practice), **context}, status=status)
    response["Cache-Control"] = "no-store"  # links carry tokens and pages carry names
    response["X-Robots-Tag"] = "noindex"
    add_headers(request, response)
    return response


def limited(request, limits, *, practice=None):
    """None when the request is within its limits; else the page that says to wait (429)."""
    try:
        enforce(request, limits)
    except RateLimited as exc:
        response = page(
            request,
            "portal/message.html",
            {
                "title": _("Demasiados intentos"),
                "message": _("Hiciste demasiadas solicitudes seguidas. Espera unos minutos y vuelve a intentarlo."),
            },
            practice=practice,
            status=429,
        )
        for name, value in exc.headers.items():
            response[name] = value
        return response
    return None


def link_problem(request, *, expired: bool, practice=None, status: int = 400):
    return page(
        request,
        "portal/message.html",
        {
            "title": _("Este enlace expiró") if expired else _("Este enlace no es válido"),
            "message": _("Pide a tu consulta un enlace nuevo.")
            if expired
            else _("Revisa que lo copiaste completo desde el correo, o pide uno nuevo a tu consulta."),
        },
        practice=practice,
        status=status,
    )


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: the form was refused before it reached its page. Says which of the
    three things happened, in the visitor's words, and links back to the form (a GET of the same
    address shows it again with a fresh token)."""
    if reason == csrf.REASON_NO_CSRF_COOKIE:
        message = _(
            "Tu navegador no guardó la cookie que protege este formulario. Permite las cookies de este sitio y "
            "vuelve a enviarlo."
        )
    elif reason.startswith(("Origin checking failed", "Referer checking failed")) or reason in (
        csrf.REASON_NO_REFERER,
        csrf.REASON_MALFORMED_REFERER,
        csrf.REASON_INSECURE_REFERER,
    ):
        message = _(
            "No pudimos comprobar que el formulario se envió desde esta página. Ábrela de nuevo desde el enlace "
            "o la dirección de tu consulta y vuelve a enviarlo."
        )
    else:
        message = _(
            "La página estuvo abierta mucho tiempo o se abrió en otra pestaña. Vuelve a abrirla y envía el "
            "formulario de nuevo; lo que escribiste no se guardó."
        )
    return page(request, "403_csrf.html", {"message": message, "back": request.get_full_path()}, status=403)


def client_meta(request) -> dict:
    return {"ip": request.META.get("REMOTE_ADDR") or None, "user_agent": request.headers.get("User-Agent", "")[:300]}


def email_key(group, request) -> str:
    return request.POST.get("email", "").strip().lower()[:254]


__all__ = ["branding", "client_meta", "csrf_failure", "email_key", "limited", "link_problem", "page"]
