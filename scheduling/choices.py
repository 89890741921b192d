from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Programada")
    COMPLETED = "completed", _("Completada")
    CANCELLED = "cancelled", _("Cancelada")
    NO_SHOW = "no-show", _("No Asistió")


class ConfirmationStatus(models.TextChoices):
    """The patient's answer to the appointment, from the reminder's link."""

    PENDING = "pending", _("Sin confirmar")
    CONFIRMED = "confirmed", _("Confirmada por el paciente")
    CANCELLED_BY_PATIENT = "cancelled_by_patient", _("Cancelada por el paciente")


class BookingSource(models.TextChoices):
    STAFF = "staff", _("Equipo de la consulta")
    ONLINE = "online", _("Reserva en línea")


class WaitlistStatus(models.TextChoices):
    ACTIVE = "active", _("En espera")
    BOOKED = "booked", _("Reservó")
    LEFT = "left", _("Salió de la lista")


# A new session starts as a booking or as a record of one that happened.
CREATABLE_STATUSES = [
    (SessionStatus.SCHEDULED.value, SessionStatus.SCHEDULED.label),
    (SessionStatus.COMPLETED.value, SessionStatus.COMPLETED.label),
]


class SessionType(models.TextChoices):
    PRESENCIAL = "presencial", _("Presencial")
    VIRTUAL = "virtual", _("Videollamada")
    TELEFONICA = "telefonica", _("Telefónica")


class AssessmentType(models.TextChoices):
    MOOD = "mood", _("Ánimo")
    ANXIETY = "anxiety", _("Ansiedad")
    PROGRESS = "progress", _("Progreso")
    CUSTOM = "custom", _("Personalizada")
    PHQ9 = "phq9", _("PHQ-9")
    GAD7 = "gad7", _("GAD-7")


SCALE_TYPES = {AssessmentType.MOOD, AssessmentType.ANXIETY, AssessmentType.PROGRESS, AssessmentType.CUSTOM}
INSTRUMENT_ITEMS = {AssessmentType.PHQ9: 9, AssessmentType.GAD7: 7}
# The instruments a patient can be sent by link (scheduling/instrument_data/)
LINK_INSTRUMENTS = [AssessmentType.PHQ9, AssessmentType.GAD7]


# Jacobson–Truax classes of a patient's change (scheduling/outcomes.py)
CHANGE_CLASSES = [
    ("recovered", _("Recuperado")),
    ("improved", _("Mejoró")),
    ("unchanged", _("Sin cambio confiable")),
    ("deteriorated", _("Empeoró")),
]


class MeasurementFrequency(models.TextChoices):
    EVERY_SESSION = "every_session", _("Antes de cada sesión")
    EVERY_N = "every_n", _("Cada N sesiones")
    ONCE = "once", _("Una vez")


class BlockedTimeType(models.TextChoices):
    LUNCH = "lunch", _("Almuerzo")
    MEETING = "meeting", _("Reunión")
    BREAK = "break", _("Descanso")
    OTHER = "other", _("Otro")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Semanal")
    BIWEEKLY = "biweekly", _("Quincenal")


class CalendarView(models.TextChoices):
    WEEK = "week", _("Semana")
    DAY = "day", _("Día")
    MONTH = "month", _("Mes")


class EditScope(models.TextChoices):
    THIS = "this", _("Solo esta sesión")
    FOLLOWING = "following", _("Esta y las siguientes")
