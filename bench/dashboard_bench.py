"""The county dashboard at scale (issue 8): renders in under 500 ms.

`manage.py seed_scale` writes a county with 20 outlets, 1,000,000 policies, 200,000
claim cases, 50,000 complaints, 500,000 SLA timers and 300,000 queue tickets over two
years (sizes from DASHBOARD_BENCH_POLICIES, …_CLAIMS, …_COMPLAINTS, …_TIMERS,
…_TICKETS): the seconds it takes are reported. The issuance summary is refreshed as
the beat does (seconds reported), the tables are analysed, and then, in process through
Django's test client as the county manager (the whole page: middleware, session,
sections, charts, template), DASHBOARD_BENCH_REQUESTS requests of the county page for
the default period (this month) and for the year so far, and of one outlet's page:
p50 and p95 milliseconds and the queries of one request. Each section's build time (p50,
p95) for the year and for this month is printed too, to show where the time goes (a
section built alone also pays for the aggregates it shares with the outlets table).

DASHBOARD_BENCH_EXISTING=<county pk> measures a county already in the database (e.g.
one seeded before with `manage.py seed_scale`) instead: nothing is dropped or seeded;
the summaries are refreshed and the tables analysed first, and the machine's load
average is printed beside the figures.
"""

import os
import statistics
import time

from bench.common import report, setup

BENCH = "dashboard"
SIZES = {
    "policies": int(os.environ.get("DASHBOARD_BENCH_POLICIES", "1000000")),
    "claims": int(os.environ.get("DASHBOARD_BENCH_CLAIMS", "200000")),
    "complaints": int(os.environ.get("DASHBOARD_BENCH_COMPLAINTS", "50000")),
    "timers": int(os.environ.get("DASHBOARD_BENCH_TIMERS", "500000")),
    "tickets": int(os.environ.get("DASHBOARD_BENCH_TICKETS", "300000")),
}
REQUESTS = int(os.environ.get("DASHBOARD_BENCH_REQUESTS", "20"))
EXISTING = os.environ.get("DASHBOARD_BENCH_EXISTING", "")
# What the dashboards read, analysed before measuring.
TABLES = (
    "core_slatimer", "claims_assist_claimcase", "complaints_complaint", "outlets_queueticket",
    "outlets_evaluation", "underwriting_policy", "publicity_notice", "dashboards_issuanceday",
    "dashboards_timerday", "dashboards_queueday",
)  # fmt: skip
COUNTY = "441899"
TARGET_MS = 500
# "Minutes, not hours" for the full sizes.
TARGET_SEED_S = 900


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _measure(client, url: str) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: templates, connections, caches
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return times, len(queries), response.status_code


def _sections(manager, county, period, label: str) -> None:
    """Each section built directly for `period` (the outlets table included), on a
    fresh scope each time: where the time goes."""
    from dashboards.sections.base import Scope
    from dashboards.selectors import _builders

    unit_ids = Scope(user=manager, unit=county, period=period).unit_ids

    def fresh():
        scope = Scope(user=manager, unit=county, period=period)
        scope.__dict__["unit_ids"] = unit_ids  # read once per page, as the page does
        return scope

    for name, build in _builders(fresh()):
        build(scope=fresh())  # warm
        times = []
        for _ in range(max(3, REQUESTS // 2)):
            started = time.perf_counter()
            build(scope=fresh())
            times.append((time.perf_counter() - started) * 1000)
        p50, p95 = statistics.median(times), _percentile(times, 0.95)
        print(f"  section {name} ({label}): p50 {p50:.0f} ms, p95 {p95:.0f} ms")


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _existing(pk: int):
    """Django on the database as it is (nothing dropped), the summaries refreshed and
    the tables analysed."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.db import connection

    from core.models import OrgUnit
    from dashboards import summaries

    county = OrgUnit.objects.get(pk=pk, kind=OrgUnit.Kind.COUNTY)
    for refresh in (summaries.issuance_refresh, summaries.timers_refresh, summaries.queue_refresh):
        started = time.perf_counter()
        rows = refresh()
        print(f"  {refresh.__name__}: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")
    return county


def _seeded():
    setup()
    from django.core.management import call_command
    from django.utils import translation

    from core.models import OrgUnit
    from dashboards import summaries

    translation.activate("zh-hans")
    started = time.perf_counter()
    call_command("seed_scale", county=COUNTY, outlets=20, **SIZES)
    seconds = time.perf_counter() - started
    print(f"dashboard: seeded {', '.join(f'{n:,} {k}' for k, n in SIZES.items())}")
    report(
        bench=BENCH, metric="seed_seconds", value=round(seconds, 1), unit="s",
        target=TARGET_SEED_S, label="seed_scale",
    )  # fmt: skip
    for refresh in (summaries.issuance_refresh, summaries.timers_refresh, summaries.queue_refresh):
        started = time.perf_counter()
        rows = refresh()
        print(f"  {refresh.__name__}: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    return OrgUnit.objects.get(code=COUNTY)


def main() -> None:
    county = _existing(int(EXISTING)) if EXISTING else _seeded()
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone, translation

    from core.models import OrgUnit, User
    from dashboards.sections.base import Period
    from dashboards.selectors import default_period

    translation.activate("zh-hans")
    outlet = OrgUnit.objects.filter(parent=county).order_by("code").first()
    manager = User.objects.get(username=f"scale-{county.code}-manager")
    today = timezone.localdate()
    year = Period(today.replace(month=1, day=1), today)
    print(f"dashboard: county {county.code}, load average {_load_average()} (1, 5, 15 min)")
    print("dashboard: sections, built directly")
    _sections(manager, county, year, "year")
    _sections(manager, county, default_period(), "month")
    try:
        county_url = reverse("dashboards:county", args=[county.pk])
        outlet_url = reverse("dashboards:outlet", args=[outlet.pk])
    except NoReverseMatch:
        print("dashboard: the dashboard pages are not there yet; sections only")
        return
    year_query = f"from={year.start.isoformat()}&to={year.end.isoformat()}"
    scenarios = [
        ("county_month", county_url),
        ("county_year", f"{county_url}?{year_query}"),
        ("outlet_month", outlet_url),
        ("outlet_year", f"{outlet_url}?{year_query}"),
    ]
    failed = False
    for name, url in scenarios:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST="127.0.0.1")
        client.force_login(manager)
        times, queries, status = _measure(client, url)
        if status != 200:
            print(f"  {name}: HTTP {status}")
            failed = True
            continue
        p50, p95 = statistics.median(times), _percentile(times, 0.95)
        report(bench=BENCH, metric=f"{name}_p50_ms", value=round(p50, 1), unit="ms",
               target=TARGET_MS, label=f"{name} p50")  # fmt: skip
        report(bench=BENCH, metric=f"{name}_p95_ms", value=round(p95, 1), unit="ms",
               target=TARGET_MS, label=f"{name} p95")  # fmt: skip
        report(bench=BENCH, metric=f"{name}_queries", value=queries, unit="queries",
               target="-", label=f"{name} queries")  # fmt: skip
    print(f"dashboard: load average after {_load_average()} (1, 5, 15 min)")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
