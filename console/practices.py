"""The practice page: members and roles, plan, balance with its usage chart and ledger, recent AI
use and storage; suspend, reactivate, resend invitations, export administrative data, and the
actions other domains add (`console.registry.PRACTICE_ACTIONS`)."""

import json

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Membership, Practice
from console.dashboard import practice_admin_export, practice_overview
from console.registry import PRACTICE_ACTIONS


class PracticeMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "is_active", "title", "color")
    autocomplete_fields = ("user",)
    show_change_link = True


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    """A practice's page: members and roles, plan, balance with its usage chart and ledger, recent
    AI use and storage (console.dashboard.practice_overview); suspend, reactivate, grant
    credits, change plan, resend invitations, export its administrative data."""

    list_display = ("name", "plan_name", "balance", "member_count", "is_active", "created_at")
    list_filter = ("is_active", "country", "subscription__plan")
    search_fields = ("name", "slug")
    list_select_related = ("subscription__plan", "credit_account")
    readonly_fields = ("created_at", "updated_at")
    inlines = [PracticeMembershipInline]
    actions = ["suspend_practices", "reactivate_practices", "resend_invitations", "export_data"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        for path in PRACTICE_ACTIONS:  # other domains' (billing's), after the page's own
            action = import_string(path)
            actions[action.__name__] = self.get_action(action)
        return actions

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(_members=Count("memberships", filter=Q(memberships__is_active=True)))
        )

    def save_model(self, request, obj, form, change):
        """A practice created here starts like one that registered: trial plan, credit account, credits."""
        services.practice_save(practice=obj, created_by=request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        practice = self.get_object(request, object_id)
        extra = {"overview": practice_overview(practice)} if practice else {}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def has_delete_permission(self, request, obj=None):
        return False  # a practice is suspended, never deleted: its records must be kept

    @admin.display(description=_("Miembros activos"), ordering="_members")
    def member_count(self, practice):
        return practice._members

    @admin.display(description=_("Plan"), ordering="subscription__plan__name")
    def plan_name(self, practice):
        subscription = getattr(practice, "subscription", None)
        return subscription.plan.name if subscription else "—"

    @admin.display(description=_("Saldo"), ordering="credit_account__balance")
    def balance(self, practice):
        account = getattr(practice, "credit_account", None)
        return account.balance if account else "—"

    def _set_active(self, request, queryset, active: bool):
        return sum(services.practice_set_active(practice=practice, active=active) for practice in queryset)

    @admin.action(
        description=_("Suspender consultas (sus miembros no pueden entrar ni usar la API; los datos se conservan)")
    )
    def suspend_practices(self, request, queryset):
        count = self._set_active(request, queryset, False)
        self.message_user(request, _("%(count)d consultas suspendidas") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reactivar consultas"))
    def reactivate_practices(self, request, queryset):
        count = self._set_active(request, queryset, True)
        self.message_user(request, _("%(count)d consultas reactivadas") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reenviar invitaciones pendientes"))
    def resend_invitations(self, request, queryset):
        sent = 0
        pending = Membership.objects.filter(practice__in=queryset, is_active=True).select_related("user", "practice")
        for membership in pending:
            if not membership.user.has_usable_password():
                services.member_invitation_resend(membership=membership, invited_by=request.user)
                sent += 1
        self.message_user(request, _("%(count)d invitaciones reenviadas") % {"count": sent}, messages.SUCCESS)

    @admin.action(description=_("Exportar datos administrativos (JSON)"))
    def export_data(self, request, queryset):
        """The practice's portability export with administrative fields only: members, plan,
        ledger, patients' identification and counts, sessions' dates and statuses. No clinical
        content (notes, records, assessments, reports) leaves through the console."""
        data = [practice_admin_export(practice) for practice in queryset]
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="consultas-{timezone.localdate():%Y%m%d}.json"'
        return response
