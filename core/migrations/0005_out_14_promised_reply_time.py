"""OUT-14 runs to the reply time promised to the customer: its default rule becomes a
lead-time rule of zero (due at the anchored promise) where it still has the old default."""

import datetime as dt

from django.db import migrations


def forwards(apps, schema_editor):
    TimerRule = apps.get_model("core", "TimerRule")
    TimerRule.objects.filter(code="OUT-14", duration=dt.timedelta(hours=8)).update(
        duration=dt.timedelta(0), lead_time=True
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_timer_anchor_lead_time")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
