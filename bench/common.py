"""What every benchmark shares: a PostgreSQL database of its own and the report format.

Run through scripts/run-bench.sh, which points DATABASE_URL at the bench database.
"""

import json
import os

import django


def setup(database_marker: str = "bench") -> None:
    """Start Django on a freshly created, migrated bench database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    # The database is dropped: refuse anything that is not obviously a bench database.
    if connection.vendor != "postgresql" or database_marker not in name:
        raise SystemExit(f"bench: refusing to recreate {connection.vendor} database {name!r}")
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def report(*, bench: str, metric: str, value: float, unit: str, target, label: str) -> None:
    """One figure: a line for people and one machine-readable BENCH line."""
    shown = f"{value:.3f}" if isinstance(value, float) else str(value)
    print(f"  {label}: {shown} {unit} (target {target} {unit})")
    line = {"bench": bench, "metric": metric, "value": value, "unit": unit, "target": target}
    print("BENCH " + json.dumps(line), flush=True)
