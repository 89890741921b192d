"""The operators' console for people and practices."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import DeviceSession, Invitation, Membership, Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "photo", "bio", "license_number", "phone_number")}),
        (
            _("Profesional"),
            {"fields": ("specialties", "credentials", "languages", "years_of_experience"), "classes": ("collapse",)},
        ),
        (
            _("Preferencias"),
            {
                "fields": (
                    "theme",
                    "language",
                    "timezone",
                    "notify_appointments",
                    "notify_reminders",
                    "notify_reports",
                    "notify_marketing",
                ),
                "classes": ("collapse",),
            },
        ),
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
        (
            _("Operadores de la plataforma"),
            {"fields": ("is_staff", "is_superuser", "groups", "user_permissions"), "classes": ("collapse",)},
        ),
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
    readonly_fields = (
        "user",
        "ip_address",
        "user_agent",
        "remember_me",
        "created_at",
        "last_active_at",
        "expires_at",
        "revoked_at",
        "revoked_reason",
    )
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Cerrar sesiones seleccionadas"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_reason="operator")
        self.message_user(request, _("%(count)d sesiones cerradas") % {"count": count}, messages.SUCCESS)
