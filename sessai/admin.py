"""Base classes the apps' console pages share (the console itself is the `console` app)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record operators look at and never change here (the ledger, requests handled by the
    practice, export packages)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
