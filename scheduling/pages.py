"""The questionnaire a patient answers from the link emailed before a session (measurement-based
care, scheduling/services/measurement.py): one instrument per page, phone first; each page is kept
when sent, so the link resumes where it was left. A risk answer ends on the crisis lines."""

from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from scheduling import instruments
from scheduling.services import measurement
from sessai import scope
from sessai.errors import Conflict, ValidationFailed
from sessai.pages import limited, link_problem, page

LIMITS = [("patient_link_ip", "ip")]


def _answers(post, instrument) -> dict[int, int | None]:
    """Item number → the option chosen; None for a missing or unknown value ("²", "٣", a 5,000-digit
    number: each a question still to answer, never an int() that fails)."""
    options = {str(value): value for value in instrument.values}
    return {n: options.get(post.get(f"item_{n}", "")) for n in range(1, len(instrument.items) + 1)}


@require_http_methods(["GET", "POST"])
@scope.found_in_practice(
    lambda request, token: measurement.request_from_token(token), errors=(measurement.QuestionnaireLinkInvalid,)
)
def questionnaire(request, token):
    if request.method == "POST" and (refused := limited(request, LIMITS)):
        return refused
    try:
        item = measurement.request_from_token(token)
    except measurement.QuestionnaireLinkInvalid:
        return link_problem(request, expired=False)
    practice = item.practice
    if item.completed_at is not None:
        return page(request, "portal/questionnaire_done.html", {"risk": item.risk}, practice=practice)
    if measurement.expired(item):
        return link_problem(request, expired=True, practice=practice)
    code = measurement.next_instrument(item)
    instrument = instruments.instrument(code)
    errors, chosen, status = {}, {}, 200
    if request.method == "POST" and request.POST.get("instrument") == code:
        chosen = _answers(request.POST, instrument)
        try:
            measurement.answer_save(request=item, code=code, answers=chosen)
            return redirect(request.path)  # the next page, or the end (a reload sends nothing twice)
        except ValidationFailed as exc:
            errors, status = exc.errors or {}, 400
        except Conflict:
            return redirect(request.path)
    questions = [
        {
            "number": n,
            "text": text,
            "name": f"item_{n}",
            "error": (errors.get(f"item_{n}") or [""])[0],
            "chosen": chosen.get(n),
        }
        for n, text in enumerate(instrument.items, start=1)
    ]
    context = {
        "instrument": instrument,
        "questions": questions,
        "position": item.instruments.index(code) + 1,
        "total": len(item.instruments),
        "error": _("Responde todas las preguntas para continuar.") if errors else "",
    }
    return page(request, "portal/questionnaire.html", context, practice=practice, status=status)
