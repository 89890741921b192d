"""Cache invalidation for scheduling's cached reads when accounts' rows change."""

from django.db.models.signals import post_delete, post_save

from accounts.models import Membership, User
from accounts.signals import practice_created
from patients.signals import patient_merged as merged
from scheduling.models import (
    Assessment,
    CalendarSettings,
    MeasurementPlan,
    QuestionnaireRequest,
    RiskAlert,
    Session,
)
from scheduling.selectors import therapists_cache_key
from scheduling.services.sessions import patient_stats_refresh
from sessai.cache import forget


def _forget_practice(practice_id):
    forget(therapists_cache_key(practice_id), f"cal:settings:{practice_id}")


def membership_changed(sender, instance, **kwargs):
    _forget_practice(instance.practice_id)


def user_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and not {"name", "email"} & set(update_fields):
        return  # e.g. last_login on every sign-in
    for practice_id in Membership.objects.filter(user=instance).values_list("practice_id", flat=True):
        _forget_practice(practice_id)


def calendar_settings_changed(sender, instance, **kwargs):
    forget(f"cal:settings:{instance.practice_id}")


def practice_started(sender, practice, **kwargs):
    """Every new practice (registration, console) starts with its calendar settings row."""
    CalendarSettings.objects.get_or_create(practice=practice)


# scheduling's tables with a patient: a merged duplicate's rows move to the patient kept.
MOVED_ON_MERGE = (Session, Assessment, QuestionnaireRequest, RiskAlert, MeasurementPlan)


def patient_merged(sender, source, target, **kwargs):
    """A duplicate patient was merged (inside the merge's transaction): its sessions and
    assessments move to `target`, and both patients' counts and dates are recomputed."""
    if MeasurementPlan.objects.filter(patient_id=target.pk).exists():  # one plan a patient: the kept one's
        MeasurementPlan.objects.filter(patient_id=source.pk).delete()
    for model in MOVED_ON_MERGE:
        model.objects.filter(patient_id=source.pk).update(patient_id=target.pk)
    patient_stats_refresh(source.pk)
    patient_stats_refresh(target.pk)


def connect():
    post_save.connect(membership_changed, sender=Membership, dispatch_uid="cal.member.save")
    post_delete.connect(membership_changed, sender=Membership, dispatch_uid="cal.member.delete")
    post_save.connect(user_changed, sender=User, dispatch_uid="cal.user.save")
    post_save.connect(calendar_settings_changed, sender=CalendarSettings, dispatch_uid="cal.settings.save")
    practice_created.connect(practice_started, dispatch_uid="scheduling.practice_started")
    merged.connect(patient_merged, dispatch_uid="scheduling.patient_merged")
