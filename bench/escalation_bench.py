"""CMP-5: escalation lag when 10,000 claim complaints miss their forwarding deadline at once.

10,000 claim complaints spread over 10 outlets (each with an outlet head), each with a
running CMP-5 timer. The real Celery worker with its embedded beat runs as a subprocess
on the bench database and Redis, with the production defaults (sweep every 30 s,
batches of 100, two worker processes on the 2-core machine). Once its first sweep has
finished, every CMP-5 timer is made due at the same instant; the bench then waits until
step 1 of the escalation chain is recorded for all of them.

Escalation lag = Escalation.escalated_at − Escalation.due_at of step 1: the wait for the
next beat plus the time the sweeps take to reach the complaint. Reported: p50, p99, max,
and the total time from the due instant until the last complaint was escalated.
"""

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import report, setup

BENCH = "escalation"
COMPLAINTS = 10_000
OUTLETS = 10
CONCURRENCY = 2
TIMEOUT_SECONDS = 20 * 60
# One beat interval (30 s) of waiting plus the sweeps' work for 10,000 escalations.
TARGET_P50_SECONDS = 60
TARGET_P99_SECONDS = 120
ROOT = Path(__file__).resolve().parent.parent


def _wait_for(predicate, timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    setup()
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from complaints.models import Complaint, Escalation, Topic
    from core.models import OrgUnit, Role, SlaTimer, SweepHeartbeat, TimerRule, User
    from core.timers import SWEEP_HEARTBEAT

    province = OrgUnit.objects.create(kind=OrgUnit.Kind.PROVINCE, code="B44", name="省")
    city = OrgUnit.objects.create(
        kind=OrgUnit.Kind.CITY, code="B4418", name="市", parent=province, has_claims_centre=True
    )
    county = OrgUnit.objects.create(
        kind=OrgUnit.Kind.COUNTY, code="B441823", name="县", parent=city
    )
    User.objects.create(username="manager", org_unit=county, role=Role.COUNTY_MANAGER)
    User.objects.create(username="centre", org_unit=city, role=Role.CLAIMS_CENTRE)
    desks = []
    for n in range(OUTLETS):
        outlet = OrgUnit.objects.create(
            kind=OrgUnit.Kind.OUTLET, code=f"B441823{n:02d}", name=f"所{n}", parent=county
        )
        clerk = User.objects.create(username=f"clerk{n}", org_unit=outlet, role=Role.CLERK)
        User.objects.create(username=f"head{n}", org_unit=outlet, role=Role.OUTLET_HEAD)
        desks.append((outlet, clerk))

    print(f"escalation: {COMPLAINTS:,} claim complaints with a running CMP-5 timer")
    now = timezone.now()
    complaints = Complaint.objects.bulk_create(
        [
            Complaint(
                number=f"{county.code}-{now:%Y%m%d}-{i + 1:05d}",
                county=county,
                org_unit=desks[i % OUTLETS][0],
                channel="counter",
                topic=Topic.CLAIMS,
                complainant_name="投诉人",
                contact_phone="13800138000",
                claim_reference=f"CLM-{i:05d}",
                what_happened="理赔款未到账。",
                what_is_asked="尽快赔付。",
                received_by=desks[i % OUTLETS][1],
                first_responder=desks[i % OUTLETS][1],
                received_at=now - dt.timedelta(hours=2),
            )
            for i in range(COMPLAINTS)
        ],
        batch_size=2_000,
    )
    rule = TimerRule.objects.get(code="CMP-5", county=None)
    subject_type = ContentType.objects.get_for_model(Complaint)
    SlaTimer.objects.bulk_create(
        [
            SlaTimer(
                subject_type=subject_type,
                subject_id=complaint.pk,
                rule=rule,
                clock=rule.clock,
                org_unit=complaint.org_unit,
                owner=complaint.first_responder,
                budget=rule.duration,
                started_at=complaint.received_at,
                # Not due yet: they all fall due together once the worker is up.
                due_at=now + dt.timedelta(days=1),
            )
            for complaint in complaints
        ],
        batch_size=2_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_slatimer")
        cursor.execute("ANALYZE complaints_complaint")

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "LOG_LEVEL": "WARNING",
    }
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    subprocess.run([*celery, "purge", "-f"], env=env, cwd=ROOT, check=True, capture_output=True)
    workdir = Path(tempfile.mkdtemp(prefix="escalation-bench-"))
    log_path = workdir / "worker.log"
    log = log_path.open("w")
    worker = subprocess.Popen(
        [
            *celery,
            "worker",
            "--beat",
            "--concurrency",
            str(CONCURRENCY),
            "--loglevel",
            "WARNING",
            # The CMP-5 breach handlers live here (complaints' AppConfig imports it too).
            "--include",
            "complaints.services.escalation",
            "--schedule",
            str(workdir / "beat-schedule"),
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
        ready = _wait_for(
            lambda: SweepHeartbeat.objects.filter(
                name=SWEEP_HEARTBEAT, last_finished_at__isnull=False
            ).exists(),
            timeout=120,
        )
        if not ready:
            raise SystemExit("escalation: the worker never swept\n" + log_path.read_text()[-3000:])
        due = timezone.now()
        SlaTimer.objects.filter(rule=rule).update(due_at=due)
        started = time.monotonic()
        print(f"  all {COMPLAINTS:,} CMP-5 timers due at {timezone.localtime(due):%H:%M:%S}")
        done = _wait_for(
            lambda: Escalation.objects.filter(step=1).count() >= COMPLAINTS,
            timeout=TIMEOUT_SECONDS,
            every=1.0,
        )
        waited = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.close()
    if not done:
        raise SystemExit(
            f"escalation: only {Escalation.objects.filter(step=1).count():,} escalated after "
            f"{waited:.0f} s\n" + log_path.read_text()[-3000:]
        )

    steps = list(Escalation.objects.filter(step=1).values_list("due_at", "escalated_at"))
    lags = [(escalated - due_at).total_seconds() for due_at, escalated in steps]
    last = max(escalated for _due, escalated in steps)
    first = min(escalated for _due, escalated in steps)
    print(f"  worker log: {log_path}")
    report(
        bench=BENCH,
        metric="lag_p50_seconds_10k_due",
        value=round(_percentile(lags, 0.50), 2),
        unit="s",
        target=TARGET_P50_SECONDS,
        label="escalation lag p50",
    )
    report(
        bench=BENCH,
        metric="lag_p99_seconds_10k_due",
        value=round(_percentile(lags, 0.99), 2),
        unit="s",
        target=TARGET_P99_SECONDS,
        label="escalation lag p99",
    )
    report(
        bench=BENCH,
        metric="lag_max_seconds_10k_due",
        value=round(max(lags), 2),
        unit="s",
        target=TARGET_P99_SECONDS,
        label="escalation lag max",
    )
    report(
        bench=BENCH,
        metric="seconds_until_all_escalated_10k_due",
        value=round((last - due).total_seconds(), 2),
        unit="s",
        target=TARGET_P99_SECONDS,
        label="due until all escalated",
    )
    report(
        bench=BENCH,
        metric="escalations_per_second",
        value=round(COMPLAINTS / max((last - first).total_seconds(), 0.001), 1),
        unit="/s",
        target=round(COMPLAINTS / (TARGET_P99_SECONDS - 30), 1),
        label="escalations per second once the sweep started",
    )


if __name__ == "__main__":
    main()
