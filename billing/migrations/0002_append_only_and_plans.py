"""The ledger refuses UPDATE and DELETE in the database itself, and the default plans exist."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations

TRIGGER = """
CREATE OR REPLACE FUNCTION billing_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'billing_creditledgerentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_ledger_append_only
    BEFORE UPDATE OR DELETE ON billing_creditledgerentry
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS billing_ledger_append_only ON billing_creditledgerentry;
DROP FUNCTION IF EXISTS billing_ledger_append_only();
"""


def create_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in settings.DEFAULT_PLANS:
        Plan.objects.get_or_create(
            name=plan["name"], defaults={"price_usd": Decimal(plan["price_usd"]), "credits_per_month": Decimal(plan["credits_per_month"])}
        )
    Plan.objects.get_or_create(
        name=settings.TRIAL_PLAN_NAME, defaults={"price_usd": Decimal("0"), "credits_per_month": settings.TRIAL_CREDITS, "is_trial": True}
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        migrations.RunSQL(TRIGGER, DROP),
        migrations.RunPython(create_plans, migrations.RunPython.noop),
    ]
