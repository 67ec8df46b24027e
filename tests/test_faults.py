"""SLA-2, UW-10 under faults: real Celery workers SIGKILLed mid-task, a Redis restart and
dropped PostgreSQL connections. Afterwards every due timer has fired exactly once and
an interrupted import is re-runnable, leaving a complete list or none.

Each test starts its own processes (tests/fault_support.py): a redis-server of its own
(FAULT_REDIS_PORT, default 6391, which it may kill) and workers in process groups of
their own, killed on every exit path.
"""

import datetime as dt
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from core.models import Clock, OutboxMessage, SlaTimer, TimerEvent, TimerRule
from tests import fault_support
from tests.fault_support import (
    REDIS_PORT,
    SLOW_RULE,
    WORKER_APPLICATION_NAME,
    RedisServer,
    Worker,
    send_task,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SWEEP_TIMERS = 800
IMPORT_ROWS = 10_000  # five committed batches of staged rows


@pytest.fixture
def fault_redis(tmp_path):
    server = RedisServer(REDIS_PORT, tmp_path / "redis.log")
    try:
        server.start()
    except RuntimeError as exc:
        pytest.skip(f"no redis-server of our own: {exc}")
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def workers(tmp_path, fault_redis):
    """Start workers with `workers(name, beat=…)`; all are killed when the test ends,
    and their logs are printed if it failed."""
    started: list[Worker] = []

    def start(name: str, *, beat: bool = False, concurrency: int = 1, **env) -> Worker:
        worker = Worker(fault_support.worker_env(fault_redis.url, **env), tmp_path, name)
        started.append(worker)
        return worker.start(beat=beat, concurrency=concurrency)

    yield start
    for worker in started:
        worker.stop()
    for worker in started:
        print(f"--- {worker.name} ---\n{worker.log()[-4000:]}")


def _slow_rule() -> TimerRule:
    return TimerRule.objects.create(
        code=SLOW_RULE,
        name="fault test",
        clock=Clock.WALL,
        duration=dt.timedelta(minutes=1),
        on_breach="notify the owner",
    )


def _timers(rule, tree, owner, *, n: int, due_at: dt.datetime) -> list[int]:
    """`n` running timers of `rule` due at `due_at` (bulk: the sweep is under test, not
    timer_start)."""
    now = timezone.now()
    SlaTimer.objects.bulk_create(
        SlaTimer(
            subject_type=ContentType.objects.get_for_model(tree.outlet_a),
            subject_id=tree.outlet_a.pk,
            rule=rule,
            clock=rule.clock,
            org_unit=tree.outlet_a,
            owner=owner,
            budget=rule.duration,
            started_at=now - rule.duration,
            due_at=due_at,
        )
        for _ in range(n)
    )
    return list(SlaTimer.objects.filter(rule=rule, due_at=due_at).values_list("pk", flat=True))


def _fired(ids) -> int:
    return TimerEvent.objects.filter(timer_id__in=ids, kind=TimerEvent.Kind.BREACHED).count()


def _still_due(ids) -> bool:
    return SlaTimer.objects.filter(pk__in=ids, state=SlaTimer.State.RUNNING).exists()


def _assert_fired_exactly_once(ids, owner) -> None:
    """SLA-2: each timer BREACHED, one breach event and one outbox row per timer."""
    assert set(SlaTimer.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        SlaTimer.State.BREACHED
    }
    events = (
        TimerEvent.objects.filter(timer_id__in=ids, kind=TimerEvent.Kind.BREACHED)
        .values("timer_id")
        .annotate(n=Count("pk"))
    )
    assert len(events) == len(ids)
    assert {row["n"] for row in events} == {1}
    keys = {f"fault:{pk}:breach:u{owner.pk}" for pk in ids}
    messages = OutboxMessage.objects.filter(dedup_key__startswith="fault:")
    assert sorted(messages.values_list("dedup_key", flat=True)) == sorted(keys)


def test_sla_2_worker_sigkilled_mid_sweep_every_due_timer_breaches_once(tree, clerk_a, workers):
    # Given 800 due timers whose breach action takes a few milliseconds each
    ids = _timers(
        _slow_rule(), tree, clerk_a, n=SWEEP_TIMERS, due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    # When a worker with beat (sweeping every second, two at once) is SIGKILLed with its
    # pool mid-sweep
    first = workers("first", beat=True, concurrency=2, SLA_SWEEP_INTERVAL_SECONDS="1")
    assert wait_for(lambda: _fired(ids) >= SWEEP_TIMERS // 10, timeout=60), first.log()[-3000:]
    first.kill()
    partial = _fired(ids)
    assert 0 < partial < SWEEP_TIMERS, "the kill must land mid-sweep"
    # and a new worker takes over
    workers("second", beat=True, concurrency=2, SLA_SWEEP_INTERVAL_SECONDS="1")
    # Then every due timer is breached, exactly once
    assert wait_for(lambda: not _still_due(ids), timeout=90)
    _assert_fired_exactly_once(ids, clerk_a)


def test_sla_2_database_connections_dropped_mid_sweep_every_due_timer_breaches_once(
    tree, clerk_a, workers
):
    ids = _timers(
        _slow_rule(), tree, clerk_a, n=SWEEP_TIMERS, due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    worker = workers("worker", beat=True, concurrency=2, SLA_SWEEP_INTERVAL_SECONDS="1")
    # When every other connection to the database is terminated, twice, mid-sweep
    terminated = 0
    for share in (0.1, 0.4):
        assert wait_for(lambda share=share: _fired(ids) >= SWEEP_TIMERS * share, timeout=60), (
            worker.log()[-3000:]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name = %s AND pid <> pg_backend_pid()",
                [connection.settings_dict["NAME"], WORKER_APPLICATION_NAME],
            )
            terminated += sum(1 for (done,) in cursor.fetchall() if done)
    assert terminated > 0, "no worker connection was dropped"
    assert _fired(ids) < SWEEP_TIMERS, "the connections must drop mid-sweep"
    # Then the same worker recovers: every due timer is breached, exactly once
    assert wait_for(lambda: not _still_due(ids), timeout=90), worker.log()[-3000:]
    assert worker.process.poll() is None
    _assert_fired_exactly_once(ids, clerk_a)


def test_sla_2_redis_restarted_timers_still_fire_once_and_health_recovers(
    tree, clerk_a, workers, fault_redis, settings
):
    settings.REDIS_URL = fault_redis.url  # /healthz probes the Redis the worker uses
    web = Client()
    rule = _slow_rule()
    before = _timers(rule, tree, clerk_a, n=50, due_at=timezone.now() - dt.timedelta(seconds=1))
    workers(
        "worker",
        beat=True,
        SLA_SWEEP_INTERVAL_SECONDS="1",
        OUTBOX_DELIVERY_INTERVAL_SECONDS="1",
    )
    assert wait_for(lambda: not _still_due(before), timeout=60)
    assert wait_for(lambda: web.get("/healthz").status_code == 200, timeout=30)
    # Given timers that fall due while Redis is down
    during = _timers(rule, tree, clerk_a, n=100, due_at=timezone.now() + dt.timedelta(seconds=2))
    # When Redis is killed (its queued messages are lost with it)
    fault_redis.kill()
    down = web.get("/healthz")
    assert down.status_code == 503
    assert down.json()["checks"]["redis"].startswith("error")
    assert wait_for(lambda: _due_passed(during), timeout=10)
    # and started again, empty
    fault_redis.start()
    # Then the health check recovers and the timers fire once each
    assert wait_for(lambda: web.get("/healthz").status_code == 200, timeout=60)
    assert wait_for(lambda: not _still_due(during), timeout=90)
    _assert_fired_exactly_once(before + during, clerk_a)


def _due_passed(ids) -> bool:
    return not SlaTimer.objects.filter(pk__in=ids, due_at__gt=timezone.now()).exists()


def test_uw_10_worker_sigkilled_mid_import_leaves_nothing_and_reruns(
    tree, clerk_a, workers, fault_redis
):
    from bench.import_bench import write_list
    from tests.underwriting.factories import OrganisationFactory, ProductFactory, SubsidyRateFactory
    from underwriting.models import HouseholdList, Policy
    from underwriting.services.group import group_policy_create
    from underwriting.services.imports import check_list_upload, household_list_upload

    # Given a group policy and a 10,000-household list uploaded for it
    rice = ProductFactory(code="RICE")
    SubsidyRateFactory(product=rice, region=tree.county)
    policy = group_policy_create(
        clerk=clerk_a,
        organiser=OrganisationFactory(org_unit=tree.outlet_a, created_by=clerk_a),
        product=rice,
        season="2026早稻",
        application_date=timezone.localdate(),
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "list.xlsx"
        write_list(path, IMPORT_ROWS)
        content = path.read_bytes()
    # The upload enqueues on the suite's broker; the fault worker listens on its own.
    with mock.patch("underwriting.tasks.validate_household_list.delay_on_commit"):
        first_list = household_list_upload(
            clerk=clerk_a, policy=policy, upload=SimpleUploadedFile("list.xlsx", content)
        )

    def staged() -> int:
        return HouseholdList.objects.get(pk=first_list.pk).rows.count()

    # When the worker is SIGKILLed while it stages the rows
    first = workers("first")
    send_task(fault_redis.url, "underwriting.tasks.validate_household_list", first_list.pk)
    assert wait_for(lambda: staged() >= 2_000, timeout=90, step=0.1), first.log()[-3000:]
    first.kill()
    first_list.refresh_from_db()
    assert first_list.state == HouseholdList.State.RUNNING
    assert 0 < staged() < IMPORT_ROWS, "the kill must land mid-import"
    # Then the policy is untouched: no accepted list, no totals
    policy.refresh_from_db()
    assert policy.status == Policy.Status.QUOTED
    assert not policy.lists.filter(state=HouseholdList.State.ACCEPTED).exists()
    # and the clerk is not blocked by the dead run
    check_list_upload(policy=policy, upload=SimpleUploadedFile("list.xlsx", content))

    # When the task is delivered again (the broker redelivers an unacknowledged task)
    workers("second")
    send_task(fault_redis.url, "underwriting.tasks.validate_household_list", first_list.pk)
    finished = (
        HouseholdList.State.ACCEPTED,
        HouseholdList.State.REJECTED,
        HouseholdList.State.FAILED,
    )
    assert wait_for(
        lambda: HouseholdList.objects.filter(pk=first_list.pk, state__in=finished).exists(),
        timeout=120,
    )
    # Then it ran again from the start: the complete list, each row once
    first_list.refresh_from_db()
    assert first_list.state == HouseholdList.State.ACCEPTED, first_list.failure
    rows = first_list.rows
    assert rows.count() == IMPORT_ROWS
    assert rows.values("row_number").distinct().count() == IMPORT_ROWS
    assert first_list.rows_done == first_list.household_count == IMPORT_ROWS
    policy.refresh_from_db()
    assert policy.status == Policy.Status.LISTED
    assert policy.premium == first_list.premium
