from decimal import Decimal

from django.conf import settings
from django.db import migrations


def create_prices(apps, schema_editor):
    AIModelPrice = apps.get_model("ai_reports", "AIModelPrice")
    for tier, row in settings.AI_TIERS.items():
        AIModelPrice.objects.get_or_create(
            tier=tier,
            defaults={"model_id": row["model"], "input_price_per_million": Decimal(row["input"]), "output_price_per_million": Decimal(row["output"])},
        )


class Migration(migrations.Migration):
    dependencies = [("ai_reports", "0001_initial")]
    operations = [migrations.RunPython(create_prices, migrations.RunPython.noop)]
