"""The billing console: plans, subscriptions, accounts and the read-only ledger with totals."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import Sum
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from billing import services
from billing.choices import EntryKind
from billing.models import CreditAccount, CreditLedgerEntry, Plan, Subscription
from sessai.admin import ReadOnlyAdmin


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "price_usd", "credits_per_month", "is_trial", "is_active")
    list_filter = ("is_trial", "is_active")


class GrantForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    amount = forms.DecimalField(label=_("Créditos"), max_digits=14, decimal_places=1)
    reason = forms.CharField(label=_("Motivo"), max_length=300)


def grant_credits_action(modeladmin, request, queryset):
    """Grant (or, negative, remove) credits with a reason, as a ledger adjustment."""
    if "apply" in request.POST:
        form = GrantForm(request.POST)
        if form.is_valid():
            for obj in queryset:
                practice = getattr(obj, "practice", obj)  # a subscription, an account or the practice itself
                try:
                    services.credits_grant(
                        practice=practice,
                        amount=form.cleaned_data["amount"],
                        reason=form.cleaned_data["reason"],
                        actor=request.user,
                        kind=EntryKind.ADJUSTMENT,
                    )
                except services.InsufficientCredits:
                    modeladmin.message_user(
                        request, _("%(p)s: el saldo no puede quedar negativo") % {"p": practice}, messages.ERROR
                    )
            modeladmin.message_user(request, _("Créditos asignados"), messages.SUCCESS)
            return None
    else:
        form = GrantForm(initial={"_selected_action": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)})
    return render(
        request,
        "admin/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "form": form,
            "objects": queryset,
            "title": _("Asignar créditos"),
            "opts": modeladmin.model._meta,
            "action": request.POST.get("action", ""),
        },
    )


grant_credits_action.short_description = _("Asignar créditos con un motivo")


@admin.action(description=_("Asignar créditos con un motivo"))
def grant_credits(modeladmin, request, queryset):
    """On the practice page (console.registry.PRACTICE_ACTIONS)."""
    return grant_credits_action(modeladmin, request, queryset)


class PlanForm(forms.Form):
    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput)
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.filter(is_active=True))


@admin.action(description=_("Cambiar plan"))
def change_plan(modeladmin, request, queryset):
    """On the practice page: the chosen plan for each practice (a subscription started if none)."""
    form = PlanForm(
        request.POST if "apply" in request.POST else None,
        initial={"_selected_action": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)},
    )
    if "apply" in request.POST and form.is_valid():
        plan = form.cleaned_data["plan"]
        for practice in queryset:
            services.subscription_plan_set(practice=practice, plan=plan)
        modeladmin.message_user(
            request,
            _("Plan cambiado a %(plan)s en %(count)d consultas") % {"plan": plan.name, "count": queryset.count()},
            messages.SUCCESS,
        )
        return None
    return render(
        request,
        "admin/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "form": form,
            "objects": queryset,
            "title": _("Cambiar plan"),
            "action": "change_plan",
            "opts": modeladmin.model._meta,
        },
    )


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("practice", "plan", "renewal_date", "balance")
    list_filter = ("plan",)
    search_fields = ("practice__name",)
    list_select_related = ("practice", "plan", "practice__credit_account")
    autocomplete_fields = ("practice",)
    actions = [grant_credits_action]

    @admin.display(description=_("Saldo"))
    def balance(self, subscription):
        account = getattr(subscription.practice, "credit_account", None)
        return account.balance if account else Decimal("0")


@admin.register(CreditAccount)
class CreditAccountAdmin(admin.ModelAdmin):
    list_display = ("practice", "balance", "updated_at")
    search_fields = ("practice__name",)
    readonly_fields = ("practice", "balance", "updated_at")
    actions = [grant_credits_action]

    def has_add_permission(self, request):
        return False


@admin.register(CreditLedgerEntry)
class CreditLedgerEntryAdmin(ReadOnlyAdmin):
    """Read-only: the ledger is append-only; corrections are new adjustment rows."""

    list_display = (
        "created_at",
        "practice",
        "kind",
        "amount",
        "operation",
        "model",
        "input_tokens",
        "output_tokens",
        "actor",
    )
    list_filter = ("kind", "operation", "practice", ("created_at", admin.DateFieldListFilter))
    search_fields = ("practice__name", "reason", "model")
    list_select_related = ("practice", "actor")
    date_hierarchy = "created_at"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        try:
            queryset = response.context_data["cl"].queryset
        except (AttributeError, KeyError):
            return response
        totals = queryset.aggregate(total=Sum("amount"))
        response.context_data["ledger_total"] = totals["total"] or Decimal("0")
        return response
