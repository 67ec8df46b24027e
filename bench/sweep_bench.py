"""SLA-1: the sweep's cost follows the due timers, not all running timers.

Two populations of running timers, each with 1,000 due: 100,000 in all and 10,000 in
all. Each sweep is timed and its queries counted (median of a few sweeps, the due
timers re-armed in between); the plan of the sweep's SELECT shows the partial index
`sla_timer_running_due`.
"""

import datetime as dt
import statistics
import time

from bench.common import report, setup

BENCH = "sweep"
DUE = 1_000
REPEATS = 3
# A 1,000-timer sweep must end well inside the default 30-second beat interval.
TARGET_SECONDS = 5
# Each breach costs a handful of writes (state, event, outbox row, savepoints).
TARGET_QUERIES_PER_DUE = 10


def main() -> None:
    setup()
    # Django (and so every model) can be imported only once setup() has run.
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from config import celery_app
    from core.models import (
        Notification,
        OrgUnit,
        OutboxMessage,
        Role,
        SlaTimer,
        TimerEvent,
        TimerRule,
        User,
    )
    from core.timers import timers_sweep

    province = OrgUnit.objects.create(kind=OrgUnit.Kind.PROVINCE, code="B44", name="省")
    city = OrgUnit.objects.create(kind=OrgUnit.Kind.CITY, code="B4418", name="市", parent=province)
    county = OrgUnit.objects.create(
        kind=OrgUnit.Kind.COUNTY, code="B441823", name="县", parent=city
    )
    outlet = OrgUnit.objects.create(
        kind=OrgUnit.Kind.OUTLET, code="B4418230", name="所", parent=county
    )
    clerk = User.objects.create(username="bench", org_unit=outlet, role=Role.CLERK)
    rule = TimerRule.objects.get(code="OUT-12", county=None)
    subject_type = ContentType.objects.get_for_model(OrgUnit)

    def populate(total: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE core_slatimer, core_outboxmessage RESTART IDENTITY CASCADE")
        now = timezone.now()
        rows = [
            SlaTimer(
                subject_type=subject_type,
                subject_id=outlet.pk,
                rule=rule,
                clock=rule.clock,
                org_unit=outlet,
                owner=clerk,
                budget=rule.duration,
                started_at=now - dt.timedelta(hours=1),
                # The first DUE are overdue; the rest fall due over the coming month.
                due_at=now - dt.timedelta(seconds=i + 1)
                if i < DUE
                else now + dt.timedelta(minutes=i % 43_200 + 1),
            )
            for i in range(total)
        ]
        SlaTimer.objects.bulk_create(rows, batch_size=5_000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_slatimer")

    def rearm() -> None:
        """Make the breached timers due again, as if the previous sweep never ran."""
        Notification.objects.all().delete()
        OutboxMessage.objects.all().delete()
        TimerEvent.objects.all().delete()
        SlaTimer.objects.filter(state=SlaTimer.State.BREACHED).update(
            state=SlaTimer.State.RUNNING, ended_at=None
        )

    def sweep() -> tuple[float, int, tuple[str, tuple]]:
        # Counted with an execute wrapper: Django's own query log stops at 9,000 entries.
        executed = []

        def record(execute, sql, params, many, context):
            executed.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            started = time.perf_counter()
            result = timers_sweep()
            seconds = time.perf_counter() - started
        assert result.breached == DUE, result
        select = next(
            query
            for query in executed
            if 'FROM "core_slatimer"' in query[0] and "FOR UPDATE" in query[0]
        )
        return seconds, len(executed), select

    def measure(total: int) -> tuple[float, int, list[str]]:
        populate(total)
        runs = []
        for attempt in range(REPEATS):
            if attempt:
                rearm()
            runs.append(sweep())
        # Enqueued outbox deliveries are not part of the bench; drop them.
        celery_app.control.purge()
        rearm()
        with transaction.atomic(), connection.cursor() as cursor:
            sql, params = runs[-1][2]
            cursor.execute("EXPLAIN " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        return statistics.median(run[0] for run in runs), runs[-1][1], plan

    figures = {}
    for total in (100_000, 10_000):
        print(f"sweep: {total:,} running timers, {DUE:,} due (median of {REPEATS} sweeps)")
        started = time.perf_counter()
        seconds, query_count, plan = measure(total)
        print(f"  (population and sweeps took {time.perf_counter() - started:.1f} s)")
        tag = f"{total // 1000}k_total_{DUE // 1000}k_due"
        report(
            bench=BENCH,
            metric=f"seconds_per_sweep_{tag}",
            value=round(seconds, 3),
            unit="s",
            target=TARGET_SECONDS,
            label="time per sweep",
        )
        report(
            bench=BENCH,
            metric=f"queries_per_sweep_{tag}",
            value=query_count,
            unit="queries",
            target=TARGET_QUERIES_PER_DUE * DUE,
            label="queries per sweep",
        )
        figures[total] = (seconds, query_count, plan)

    (big_s, big_q, plan), (small_s, small_q, _) = figures[100_000], figures[10_000]
    print("sweep: cost with 10x the running timers and the same due timers")
    report(
        bench=BENCH,
        metric="time_ratio_100k_vs_10k_total",
        value=round(big_s / small_s, 2),
        unit="x",
        target=1.5,
        label="time ratio",
    )
    report(
        bench=BENCH,
        metric="query_ratio_100k_vs_10k_total",
        value=round(big_q / small_q, 2),
        unit="x",
        target=1.0,
        label="query ratio",
    )

    print("sweep: plan of the sweep's SELECT (100,000 running timers)")
    for line in plan:
        print("    " + line)
    report(
        bench=BENCH,
        metric="select_uses_partial_index",
        value=int(any("sla_timer_running_due" in line for line in plan)),
        unit="bool",
        target=1,
        label="uses sla_timer_running_due",
    )


if __name__ == "__main__":
    main()
