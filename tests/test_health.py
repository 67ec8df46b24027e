"""/healthz: database, Redis and the age of the last beat sweep (SLA-1)."""

import datetime as dt

import time_machine
from django.utils import timezone

from core import timers


def test_sla_1_healthz_reports_stale_sweep(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "ok"
    assert body["checks"]["sweep"]["stale"] is True


def test_sla_1_healthz_is_ok_after_a_fresh_sweep(client, db):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        timers.timers_sweep()
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        traveller.shift(dt.timedelta(minutes=10))
        assert client.get("/healthz").status_code == 503
