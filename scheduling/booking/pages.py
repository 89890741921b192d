"""Patients' pages for appointments: the reminder's confirm/cancel page, online booking with an
emailed code, the wait-list and its claim link. Server-rendered, Spanish, phone-first."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.models import Membership, Practice
from patients.rut import rut_normalize
from scheduling import links
from scheduling.booking import services
from scheduling.choices import ConfirmationStatus, SessionStatus, SessionType
from scheduling.models import EmailCode
from sessai import scope
from sessai.errors import Conflict
from sessai.pages import email_key, limited, link_problem, page

LINK_LIMITS = [("patient_link_ip", "ip")]
REQUEST_LIMITS = [("booking_ip", "ip"), ("booking_email", email_key)]
CODE_LIMITS = [("booking_code_ip", "ip")]


# --- Forms -----------------------------------------------------------------------------------


class PatientDataForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nombre completo"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=gettext_lazy("Correo electrónico"),
        max_length=254,
        help_text=gettext_lazy("Te enviaremos un código de 6 dígitos para confirmar que es tuyo."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Teléfono"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    rut = forms.CharField(label=gettext_lazy("RUT"), max_length=14, help_text=gettext_lazy("Ejemplo: 12.345.678-5"))

    def clean_rut(self):
        try:
            return rut_normalize(self.cleaned_data["rut"])
        except ValueError as exc:
            raise forms.ValidationError(_("El RUT no es válido")) from exc

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Escribe tu nombre"))
        return name


class BookingForm(PatientDataForm):
    type = forms.ChoiceField(label=gettext_lazy("Modalidad"), choices=SessionType.choices)

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(value, label) for value, label in SessionType.choices if value in types]


class WaitlistForm(PatientDataForm):
    therapist = forms.ChoiceField(label=gettext_lazy("Profesional"))
    date_from = forms.DateField(label=gettext_lazy("Desde el día"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("Hasta el día"), widget=forms.DateInput(attrs={"type": "date"}))
    time_from = forms.TimeField(
        label=gettext_lazy("Desde las (opcional)"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    time_to = forms.TimeField(
        label=gettext_lazy("Hasta las (opcional)"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    type = forms.ChoiceField(label=gettext_lazy("Modalidad"), choices=SessionType.choices)

    def __init__(self, *args, therapists=(), types=(), last_day=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].choices = [(str(m.user_id), m.user.name) for m in therapists]
        self.fields["type"].choices = [(value, label) for value, label in SessionType.choices if value in types]
        self.last_day = last_day

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("Debe ser igual o posterior al día de inicio"))
            if start < timezone.localdate():
                self.add_error("date_from", _("Elige un día desde hoy en adelante"))
            if self.last_day and end > self.last_day:
                self.add_error(
                    "date_to", _("La consulta agenda hasta el %(day)s") % {"day": self.last_day.strftime("%d/%m/%Y")}
                )
        if data.get("time_from") and data.get("time_to") and data["time_to"] <= data["time_from"]:
            self.add_error("time_to", _("Debe ser posterior a la hora de inicio"))
        return data


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Código de 6 dígitos"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": gettext_lazy("El código tiene 6 dígitos")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


# --- The reminder's link -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@scope.found_in_practice(lambda request, token: links.appointment_named(token))
def appointment(request, token):
    if request.method == "POST" and (refused := limited(request, LINK_LIMITS)):
        return refused
    try:
        session = links.appointment_from_token(token)
    except links.LinkInvalid as exc:
        return link_problem(request, expired=exc.expired)
    practice = session.practice
    notice = error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                session = services.appointment_confirm(session)
                notice = _("¡Gracias! Tu asistencia quedó confirmada.")
            elif action == "cancel":
                session = services.appointment_cancel(session)
                notice = _("Tu cita fue cancelada. Avisamos a tu profesional.")
            else:
                error = _("Elige confirmar o cancelar.")
        except Conflict as exc:
            error = exc.message
        session.refresh_from_db()
    local = session.starts_at.astimezone(ZoneInfo(practice.timezone))
    deadline = services.cancellation_deadline(session)
    return page(
        request,
        "portal/appointment.html",
        {
            "session": session,
            "local": local,
            "end": session.ends_at.astimezone(ZoneInfo(practice.timezone)),
            "is_scheduled": session.status == SessionStatus.SCHEDULED,
            "is_confirmed": session.confirmation_status == ConfirmationStatus.CONFIRMED,
            "can_cancel": session.status == SessionStatus.SCHEDULED and timezone.now() <= deadline,
            "deadline": deadline.astimezone(ZoneInfo(practice.timezone)),
            "notice": notice,
            "error": error,
            "is_new": request.GET.get("nueva") == "1",
        },
        practice=practice,
        status=409 if error else 200,
    )


# --- Online booking ----------------------------------------------------------------------------


def _booking_practice(slug):
    found = services.practice_for_booking(slug)
    if found is None:
        raise Http404
    return found


def _therapist(practice, config, therapist_id) -> Membership | None:
    return next(
        (m for m in services.bookable_therapists(practice, config) if str(m.user_id) == str(therapist_id)), None
    )


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _practice_named(request, slug, *args, **kwargs):
    return Practice.objects.filter(slug=slug, is_active=True).first()


@require_http_methods(["GET"])
@scope.found_in_practice(_practice_named)
def booking(request, slug):
    """Choose a professional, a length and a day; see that week's free hours."""
    practice, config = _booking_practice(slug)
    therapists = services.bookable_therapists(practice, config)
    chosen = _therapist(practice, config, request.GET.get("profesional")) if request.GET.get("profesional") else None
    if chosen is None and len(therapists) == 1:
        chosen = therapists[0]
    duration = _int(request.GET.get("duracion"), config.durations[0])
    if duration not in config.durations:
        duration = config.durations[0]
    earliest, last_day = services.booking_window(practice, config)
    tz = ZoneInfo(practice.timezone)
    first_day = earliest.astimezone(tz).date()
    try:
        start = max(date.fromisoformat(request.GET.get("desde", "")), first_day)
    except ValueError:
        start = first_day
    start = min(start, last_day)
    days = []
    if chosen is not None:
        for offset in range(7):
            day = start + timedelta(days=offset)
            if day > last_day:
                break
            slots = services.open_slots(practice=practice, config=config, membership=chosen, day=day, duration=duration)
            days.append({"day": day, "slots": slots})
    previous = start - timedelta(days=7) if start > first_day else None
    following = start + timedelta(days=7) if start + timedelta(days=7) <= last_day else None
    return page(
        request,
        "portal/booking.html",
        {
            "practice": practice,
            "config": config,
            "therapists": therapists,
            "chosen": chosen,
            "duration": duration,
            "days": days,
            "previous": max(previous, first_day) if previous else None,
            "following": following,
            "has_slots": any(d["slots"] for d in days),
        },
        practice=practice,
    )


def _slot_request(request, practice, config):
    """The slot named in the query (professional, start, length), if the patient may book it."""
    chosen = _therapist(practice, config, request.GET.get("profesional"))
    duration = _int(request.GET.get("duracion"), 0)
    try:
        starts_at = datetime.fromisoformat(request.GET.get("inicio", ""))
    except ValueError:
        return None
    if chosen is None or duration not in config.durations or starts_at.tzinfo is None:
        return None
    if not services.slot_offered(
        practice=practice, config=config, membership=chosen, starts_at=starts_at, duration=duration
    ):
        return None
    return chosen, starts_at, duration, starts_at.astimezone(ZoneInfo(practice.timezone))


@require_http_methods(["GET", "POST"])
@scope.found_in_practice(_practice_named)
def booking_details(request, slug):
    """The patient's data for the chosen slot; a code goes to their email."""
    practice, config = _booking_practice(slug)
    slot = _slot_request(request, practice, config)
    if slot is None:
        return redirect(reverse("portal:booking", args=[slug]))
    chosen, starts_at, duration, local = slot
    form = BookingForm(request.POST or None, types=config.session_types)
    if request.method == "POST":
        if refused := limited(request, REQUEST_LIMITS, practice=practice):
            return refused
        if form.is_valid():
            data = form.cleaned_data
            pending = services.email_code_send(
                practice=practice,
                purpose=EmailCode.Purpose.BOOKING,
                email=data["email"],
                payload={
                    "therapist_id": str(chosen.user_id),
                    "starts_at": starts_at.isoformat(),
                    "duration": duration,
                    "type": data["type"],
                    "name": data["name"],
                    "email": data["email"],
                    "phone": data["phone"],
                    "rut": data["rut"],
                },
            )
            return redirect(reverse("portal:verify", args=[slug, pending.pk]))
    return page(
        request,
        "portal/booking_details.html",
        {
            "practice": practice,
            "chosen": chosen,
            "local": local,
            "duration": duration,
            "form": form,
        },
        practice=practice,
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@scope.found_in_practice(_practice_named)
def verify(request, slug, code_id):
    """The 6-digit code; right, it books (or joins the wait-list)."""
    practice, config = _booking_practice(slug)
    pending = EmailCode.objects.filter(pk=code_id, practice=practice).first()
    if pending is None:
        raise Http404
    form = CodeForm(request.POST or None)
    error, final = None, False
    if request.method == "POST":
        if refused := limited(request, CODE_LIMITS, practice=practice):
            return refused
        if form.is_valid():
            try:
                pending = services.email_code_check(code_id=pending.pk, code=form.cleaned_data["code"])
            except services.CodeRefused as exc:
                error, final = exc.message, exc.final
            else:
                return _fulfil(request, practice, config, pending)
    return page(
        request,
        "portal/verify.html",
        {
            "practice": practice,
            "form": form,
            "error": error,
            "final": final,
            "email": pending.email,
            "restart": reverse("portal:booking", args=[slug]),
        },
        practice=practice,
        status=400 if (error or form.errors) else 200,
    )


def _fulfil(request, practice, config, pending):
    if pending.purpose == EmailCode.Purpose.WAITLIST:
        services.waitlist_join(practice=practice, payload=pending.payload)
        return page(
            request,
            "portal/message.html",
            {
                "title": _("Quedaste en la lista de espera"),
                "message": _(
                    "Si se libera una hora que te sirva, te escribiremos a %(email)s. Quien reserva primero, se la queda."
                )
                % {"email": pending.email},
            },
            practice=practice,
        )
    try:
        session = services.online_book(practice=practice, config=config, payload=pending.payload)
    except Conflict:
        return page(
            request,
            "portal/message.html",
            {
                "title": _("Esta hora ya no está disponible"),
                "message": _("Alguien la reservó mientras confirmabas. Elige otra hora."),
                "link": reverse("portal:booking", args=[practice.slug]),
                "link_text": _("Ver horas disponibles"),
            },
            practice=practice,
            status=409,
        )
    token = signing.dumps(str(session.pk), salt=links.APPOINTMENT_SALT)
    return redirect(reverse("portal:appointment", args=[token]) + "?nueva=1")


@require_http_methods(["GET", "POST"])
@scope.found_in_practice(_practice_named)
def waitlist(request, slug):
    practice, config = _booking_practice(slug)
    if not config.waitlist_enabled:
        raise Http404
    therapists = services.bookable_therapists(practice, config)
    _earliest, last_day = services.booking_window(practice, config)
    initial = {"therapist": request.GET.get("profesional", "")}
    form = WaitlistForm(
        request.POST or None, initial=initial, therapists=therapists, types=config.session_types, last_day=last_day
    )
    if request.method == "POST":
        if refused := limited(request, REQUEST_LIMITS, practice=practice):
            return refused
        if form.is_valid():
            data = form.cleaned_data
            pending = services.email_code_send(
                practice=practice,
                purpose=EmailCode.Purpose.WAITLIST,
                email=data["email"],
                payload={
                    "therapist_id": data["therapist"],
                    "date_from": data["date_from"].isoformat(),
                    "date_to": data["date_to"].isoformat(),
                    "time_from": data["time_from"].isoformat() if data["time_from"] else None,
                    "time_to": data["time_to"].isoformat() if data["time_to"] else None,
                    "duration": config.durations[0],
                    "type": data["type"],
                    "name": data["name"],
                    "email": data["email"],
                    "phone": data["phone"],
                    "rut": data["rut"],
                },
            )
            return redirect(reverse("portal:verify", args=[slug, pending.pk]))
    return page(
        request,
        "portal/waitlist.html",
        {"practice": practice, "form": form},
        practice=practice,
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@scope.found_in_practice(lambda request, token: links.offer_named(token))
def waitlist_claim(request, token):
    if request.method == "POST" and (refused := limited(request, LINK_LIMITS)):
        return refused
    try:
        offer = links.offer_from_token(token)
    except links.LinkInvalid as exc:
        return link_problem(request, expired=exc.expired)
    practice = offer.entry.practice
    if request.method == "POST":
        try:
            session = services.waitlist_claim(offer)
        except Conflict:
            pass
        else:
            return redirect(
                reverse("portal:appointment", args=[signing.dumps(str(session.pk), salt=links.APPOINTMENT_SALT)])
                + "?nueva=1"
            )
    available = services.offer_available(offer)
    local = offer.starts_at.astimezone(ZoneInfo(practice.timezone))
    return page(
        request,
        "portal/claim.html",
        {"offer": offer, "local": local, "available": available},
        practice=practice,
        status=409 if request.method == "POST" or not available else 200,
    )


__all__ = ["appointment", "booking", "booking_details", "verify", "waitlist", "waitlist_claim"]
