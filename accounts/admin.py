"""The operators' console for people and practices."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import DeviceSession, Invitation, Membership, Practice, Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "photo", "bio", "license_number", "phone_number")}),
        (_("Profesional"), {"fields": ("specialties", "credentials", "languages", "years_of_experience"), "classes": ("collapse",)}),
        (_("Preferencias"), {"fields": ("theme", "language", "timezone", "notify_appointments", "notify_reminders", "notify_reports", "notify_marketing"), "classes": ("collapse",)}),
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("practice", "role", "is_active", "title", "color")
    autocomplete_fields = ("practice",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "practice_name", "role_name", "is_active", "is_staff", "last_login", "created_at")
    list_filter = ("is_active", "is_staff", "memberships__role", "memberships__is_active", "memberships__practice")
    search_fields = ("email", "name")
    readonly_fields = ("last_login", "created_at", "updated_at")
    inlines = [ProfileInline, MembershipInline]
    actions = ["deactivate_users", "activate_users"]
    fieldsets = (
        (None, {"fields": ("email", "name", "password")}),
        (_("Estado"), {"fields": ("is_active", "last_login", "created_at", "updated_at")}),
        (_("Operadores de la plataforma"), {"fields": ("is_staff", "is_superuser", "groups", "user_permissions"), "classes": ("collapse",)}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__practice")

    def _active_membership(self, user):
        return next((m for m in user.memberships.all() if m.is_active), None)

    @admin.display(description=_("Consulta"))
    def practice_name(self, user):
        membership = self._active_membership(user)
        return membership.practice.name if membership else "—"

    @admin.display(description=_("Rol"))
    def role_name(self, user):
        membership = self._active_membership(user)
        return membership.get_role_display() if membership else "—"

    @admin.action(description=_("Desactivar usuarios seleccionados"))
    def deactivate_users(self, request, queryset):
        count = 0
        for user in queryset.filter(is_active=True):
            services.sessions_revoke_all(user=user, reason="deactivated")
            user.is_active = False
            user.save(update_fields=["is_active", "updated_at"])  # audited, the operator as actor
            count += 1
        self.message_user(request, _("%(count)d usuarios desactivados") % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Activar usuarios seleccionados"))
    def activate_users(self, request, queryset):
        count = 0
        for user in queryset.filter(is_active=False):
            user.is_active = True
            user.save(update_fields=["is_active", "updated_at"])
            count += 1
        self.message_user(request, _("%(count)d usuarios activados") % {"count": count}, messages.SUCCESS)


class PracticeMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "is_active", "title", "color")
    autocomplete_fields = ("user",)
    show_change_link = True


# Actions other domains offer on the practice page (billing: grant credits, change plan), added
# from their AppConfig.ready() so accounts imports none of them.
PRACTICE_ACTIONS: list = []


def register_practice_action(action) -> None:
    if action not in PRACTICE_ACTIONS:
        PRACTICE_ACTIONS.append(action)


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    """A practice's page: members and roles, plan, balance with its usage chart and ledger, recent
    AI use and storage (sessai.console_dashboard.practice_overview); suspend, reactivate, grant
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
        for action in PRACTICE_ACTIONS:  # other domains' (billing's), after suspend and reactivate
            actions[action.__name__] = self.get_action(action)
        return actions

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("memberships", filter=Q(memberships__is_active=True)))

    def save_model(self, request, obj, form, change):
        """A practice created here starts like one that registered: trial plan, credit account, credits."""
        super().save_model(request, obj, form, change)
        if not change:
            from accounts.signals import practice_created

            practice_created.send(sender=type(obj), practice=obj, created_by=request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from sessai.console_dashboard import practice_overview

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
        count = 0
        for practice in queryset.filter(is_active=not active):
            practice.is_active = active
            practice.save(update_fields=["is_active", "updated_at"])  # one audit entry each, the operator as actor
            count += 1
        return count

    @admin.action(description=_("Suspender consultas (sus miembros no pueden entrar ni usar la API; los datos se conservan)"))
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
        import json

        from django.core.serializers.json import DjangoJSONEncoder
        from django.http import HttpResponse

        from sessai.console_dashboard import practice_admin_export

        data = [practice_admin_export(practice) for practice in queryset]
        response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="consultas-{timezone.localdate():%Y%m%d}.json"'
        return response


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "practice", "role", "title", "is_active", "last_login", "created_at")
    list_filter = ("role", "is_active", "practice")
    search_fields = ("user__email", "user__name", "practice__name")
    list_select_related = ("user", "practice")
    autocomplete_fields = ("user", "practice", "invited_by")
    actions = ["resend_invitation", "deactivate_memberships"]

    @admin.display(description=_("Último acceso"), ordering="user__last_login")
    def last_login(self, membership):
        return membership.user.last_login

    @admin.action(description=_("Reenviar invitación"))
    def resend_invitation(self, request, queryset):
        sent = 0
        for membership in queryset.select_related("user", "practice"):
            if membership.user.has_usable_password():
                continue
            services.member_invitation_resend(membership=membership, invited_by=request.user)
            sent += 1
        self.message_user(request, _("%(count)d invitaciones reenviadas") % {"count": sent}, messages.SUCCESS)

    @admin.action(description=_("Desactivar membresías seleccionadas"))
    def deactivate_memberships(self, request, queryset):
        count = 0
        for membership in queryset.filter(is_active=True).select_related("user"):
            membership.is_active = False
            membership.save(update_fields=["is_active", "updated_at"])
            services.sessions_revoke_all(user=membership.user, reason="deactivated")
            count += 1
        self.message_user(request, _("%(count)d membresías desactivadas") % {"count": count}, messages.SUCCESS)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("membership", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("accepted_at", "membership__practice")
    search_fields = ("membership__user__email",)
    list_select_related = ("membership__user", "membership__practice", "invited_by")
    exclude = ("token_hash",)
    readonly_fields = ("membership", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")

    def has_add_permission(self, request):
        return False


@admin.register(DeviceSession)
class DeviceSessionAdmin(admin.ModelAdmin):
    list_display = ("user", "ip_address", "user_agent", "created_at", "last_active_at", "expires_at", "revoked_at")
    list_filter = ("revoked_reason",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    exclude = ("refresh_jti",)
    readonly_fields = ("user", "ip_address", "user_agent", "remember_me", "created_at", "last_active_at", "expires_at", "revoked_at", "revoked_reason")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Cerrar sesiones seleccionadas"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_reason="operator")
        self.message_user(request, _("%(count)d sesiones cerradas") % {"count": count}, messages.SUCCESS)
