"""SLA-1 end to end: a real Celery worker with beat, on Redis, breaches a short timer."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core import timers
from core.models import Clock, Notification, SlaTimer, SweepHeartbeat, TimerRule

ROOT = Path(__file__).resolve().parent.parent


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sla_1_real_worker_and_beat_breach_a_short_timer(tree, clerk_a, tmp_path):
    rule = TimerRule.objects.create(
        code="TEST-E2E",
        name="end to end",
        clock=Clock.WALL,
        duration=dt.timedelta(seconds=3),
        on_breach="tell the owner",
    )
    timer = timers.timer_start(
        subject=tree.outlet_a, rule_code=rule.code, org_unit=tree.outlet_a, owner=clerk_a
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # The worker must see this test's database, not the default one.
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "SLA_SWEEP_INTERVAL_SECONDS": "1",
        "OUTBOX_DELIVERY_INTERVAL_SECONDS": "1",
    }
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    subprocess.run([*celery, "purge", "-f"], env=env, cwd=ROOT, check=True, capture_output=True)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            *celery,
            "worker",
            "--beat",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        breached = _wait_for(
            lambda: SlaTimer.objects.filter(pk=timer.pk, state=SlaTimer.State.BREACHED).exists()
        )
        delivered = _wait_for(lambda: Notification.objects.filter(recipient=clerk_a).exists())
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    output = (tmp_path / "worker.log").read_text()
    assert breached, output[-3000:]
    assert delivered, output[-3000:]
    beat = SweepHeartbeat.objects.get(name=timers.SWEEP_HEARTBEAT)
    assert timezone.now() - beat.last_finished_at < dt.timedelta(minutes=1)
    assert Notification.objects.filter(recipient=clerk_a).count() == 1
