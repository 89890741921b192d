"""The patient's page for a session summary their therapist approved and sent (issue 35, part 7):
phone first; each opening is an audited read; the patient can stop (or resume) receiving them."""

from zoneinfo import ZoneInfo

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ai_reports.services import summaries
from patients.services import patient_summaries_opt_out_set
from scheduling.links import LinkInvalid
from sessai import scope
from sessai.audit import record_access
from sessai.pages import limited, link_problem, page

LIMITS = [("patient_link_ip", "ip")]
NOTICES = {
    "out": _("Listo: no te enviaremos más resúmenes por correo."),
    "in": _("Listo: volverás a recibir los resúmenes de tus sesiones."),
}


@require_http_methods(["GET", "POST"])
@scope.found_in_practice(lambda request, token: summaries.summary_named(token))
def patient_summary(request, token):
    if request.method == "POST" and (refused := limited(request, LIMITS)):
        return refused
    try:
        summary = summaries.summary_from_token(token)
    except LinkInvalid as exc:
        return link_problem(request, expired=exc.expired)
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("opt_out", "opt_in"):
            patient_summaries_opt_out_set(patient=summary.patient, opted_out=action == "opt_out")
            return redirect(f"{request.path}?listo={'out' if action == 'opt_out' else 'in'}")
        return redirect(request.path)
    summaries.summary_viewed(summary)
    record_access(summary)
    session = summary.session
    context = {
        "summary": summary,
        "date": session.starts_at.astimezone(ZoneInfo(summary.practice.timezone)).date(),
        "therapist": session.therapist.name,
        "opted_out": summary.patient.summaries_opt_out,
        "notice": NOTICES.get(request.GET.get("listo", ""), ""),
    }
    return page(request, "portal/patient_summary.html", context, practice=summary.practice)
