"""The default outlet settings and the OUT-10 staffing bands of DOMAIN.md."""

from decimal import Decimal

from django.db import migrations

# OUT-10: annual premium from (yuan) → minimum staff; a band starts at its figure.
BANDS = [(Decimal("0"), 3), (Decimal("1000000"), 4), (Decimal("3000000"), 5), (Decimal("5000000"), 6)]


def create_defaults(apps, schema_editor):
    OutletSettings = apps.get_model("outlets", "OutletSettings")
    StaffingBand = apps.get_model("outlets", "StaffingBand")
    OutletSettings.objects.get_or_create(county=None)
    for premium_from, minimum in BANDS:
        StaffingBand.objects.get_or_create(
            county=None, premium_from=premium_from, defaults={"minimum_staff": minimum}
        )


class Migration(migrations.Migration):
    dependencies = [("outlets", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
