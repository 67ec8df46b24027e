"""Load: gunicorn with the production settings on PostgreSQL and Redis, 50 concurrent
clients on loopback for 60 s (LOAD_BENCH_SECONDS) mixing counter actions and API reads.

Ten outlets with five API client accounts each (one token per client, keep-alive HTTP
connections as in bench/queue_bench.py). Each client loops over a counter round (issue a
queue ticket, call the next one, serve and close it; quote a policy; look a customer up)
and reads (policy list and detail, timers list, claim-case list). The server is
config.settings.prod (through bench/load_settings.py, which only adds the bare endpoint's
URL) with the environment production needs: secret, allowed hosts, and the secure-cookie
flags off because loopback is plain HTTP.

Reported: requests per second, p50/p95/p99 latency over the mix, failed requests (must be
0), and then, in the same server run, 10 s (LOAD_BENCH_RATIO_SECONDS) of all 50 clients on
GET /api/v1/policies/<pk>/ and 10 s on the bare GET /api/v1/ping/: the ratio of their
throughputs (how much of the framework's floor a typical endpoint keeps).
"""

import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from bench.common import report, setup
from bench.queue_bench import Client, _free_port, _percentile, _wait_until_serving

BENCH = "load"
CLIENTS = 50
OUTLETS = 10
SECONDS = float(os.environ.get("LOAD_BENCH_SECONDS", "60"))
RATIO_SECONDS = float(os.environ.get("LOAD_BENCH_RATIO_SECONDS", "10"))
WORKERS = int(os.environ.get("LOAD_BENCH_WORKERS", "3"))
THREADS = int(os.environ.get("LOAD_BENCH_THREADS", "8"))
TARGET_P95_MS = 1000
TARGET_RATIO = 0.5
ROOT = Path(__file__).resolve().parent.parent


class Http(Client):
    """queue_bench's keep-alive client with GET as well."""

    def get(self, path: str) -> tuple[int, dict | None]:
        return self.request("GET", path)

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        return self.request("POST", path, body or {})

    def request(self, method: str, path: str, body: dict | None = None):
        import http.client
        import json

        payload = json.dumps(body) if body is not None else None
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, payload, self.headers)
                response = self.connection.getresponse()
                data = response.read()
                try:
                    return response.status, json.loads(data) if data else None
                except ValueError:
                    return response.status, {"body": data[:200].decode(errors="replace")}
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def timed(self, client: Http, name: str, method: str, path: str, body=None, ok=(200,)):
        started = time.perf_counter()
        status, data = client.request(method, path, body)
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.ms[name].append(elapsed)
            if status not in ok:
                self.errors.append(f"{name} {path}: {status} {str(data)[:200]}")
        return status, data


def desk(client: Http, seat: dict, stop: threading.Event, go: threading.Barrier, tally: Tally):
    """One client's loop: a counter round, then reads."""
    go.wait()
    outlet, policies, customers, product = (
        seat["outlet"],
        seat["policies"],
        seat["customers"],
        seat["product"],
    )
    n = 0
    while not stop.is_set():
        n += 1
        t = tally.timed
        t(
            client,
            "ticket_issue",
            "POST",
            f"/api/v1/outlets/{outlet}/queue/tickets/",
            {"purpose": "consultation"},
            ok=(201,),
        )
        status, ticket = t(
            client,
            "ticket_call",
            "POST",
            f"/api/v1/outlets/{outlet}/queue/call-next/",
            {"window": str(seat["window"])},
            ok=(200, 204),
        )
        if status == 200:
            t(client, "ticket_serve", "POST", f"/api/v1/queue-tickets/{ticket['id']}/serve/", {})
            t(client, "ticket_done", "POST", f"/api/v1/queue-tickets/{ticket['id']}/done/", {})
        if n % 3 == 0:
            t(
                client,
                "quote",
                "POST",
                "/api/v1/policies/",
                {
                    "product": product,
                    "insured": customers[n % len(customers)],
                    "quantity": "10",
                    "expected_minutes": 15,
                    "application_date": dt.date.today().isoformat(),
                },
                ok=(201,),
            )
        t(client, "customer_lookup", "GET", "/api/v1/customers/?q=%E5%86%9C%E6%88%B7")
        t(client, "policy_list", "GET", "/api/v1/policies/")
        t(client, "policy_detail", "GET", f"/api/v1/policies/{policies[n % len(policies)]}/")
        t(client, "timer_list", "GET", "/api/v1/timers/")
        t(client, "claim_case_list", "GET", "/api/v1/claim-cases/")


def hammer(client: Http, path_of, name: str, stop, go, tally: Tally):
    go.wait()
    n = 0
    while not stop.is_set():
        n += 1
        tally.timed(client, name, "GET", path_of(n))


def _guarded(target, *args) -> None:
    tally = args[-1]
    try:
        target(*args)
    except Exception as exc:
        tally.errors.append(f"{target.__name__} stopped: {exc!r}")


def _phase(clients, target, extra, seconds: float, tally: Tally) -> float:
    stop = threading.Event()
    go = threading.Barrier(len(clients) + 1)
    threads = [
        threading.Thread(target=_guarded, args=(target, client, *extra(i), stop, go, tally))
        for i, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    go.wait()
    started = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return time.monotonic() - started


def _seed():
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from core.api.tokens import api_token_create
    from core.models import Clock, OrgUnit, Role, SlaTimer, TimerRule, User
    from tests.underwriting.factories import (
        CustomerFactory,
        PolicyFactory,
        ProductFactory,
        SubsidyRateFactory,
        resident_id,
    )

    province = OrgUnit.objects.create(kind=OrgUnit.Kind.PROVINCE, code="L44", name="省")
    city = OrgUnit.objects.create(kind=OrgUnit.Kind.CITY, code="L4418", name="市", parent=province)
    county = OrgUnit.objects.create(kind=OrgUnit.Kind.COUNTY, code="441823", name="县", parent=city)
    rice = ProductFactory(code="RICE")
    SubsidyRateFactory(product=rice, region=county)
    rule = TimerRule.objects.create(
        code="BENCH-LOAD",
        name="bench",
        clock=Clock.WALL,
        duration=dt.timedelta(days=30),
        on_breach="-",
    )
    seats = []
    for o in range(OUTLETS):
        outlet = OrgUnit.objects.create(
            kind=OrgUnit.Kind.OUTLET, code=f"4418230{o:02d}", name=f"所{o}", parent=county
        )
        clerk = User.objects.create(username=f"clerk{o}", org_unit=outlet, role=Role.CLERK)
        customers = [
            CustomerFactory(
                org_unit=outlet,
                created_by=clerk,
                name=f"农户{o}-{c}",
                id_number=resident_id(o * 50 + c),
            ).pk
            for c in range(20)
        ]
        policies = [
            PolicyFactory(
                org_unit=outlet,
                product=rice,
                insured_id=customers[p],
                applicant_id=customers[p],
                entered_by=clerk,
            ).pk
            for p in range(20)
        ]
        now = timezone.now()
        SlaTimer.objects.bulk_create(
            SlaTimer(
                subject_type=ContentType.objects.get_for_model(outlet),
                subject_id=outlet.pk,
                rule=rule,
                clock=rule.clock,
                org_unit=outlet,
                owner=clerk,
                budget=rule.duration,
                started_at=now,
                due_at=now + rule.duration,
            )
            for _ in range(20)
        )
        for c in range(CLIENTS // OUTLETS):
            account = User.objects.create(
                username=f"desk{o}-{c}", org_unit=outlet, role=Role.API_CLIENT
            )
            _token, key = api_token_create(user=account, name="desk")
            seats.append(
                {
                    "key": key,
                    "outlet": outlet.pk,
                    "window": c + 1,
                    "policies": policies,
                    "customers": customers,
                    "product": rice.pk,
                }
            )
    return seats


def main() -> None:
    setup()
    from django.db import connection

    seats = _seed()
    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "DJANGO_SECRET_KEY": "load-bench-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Loopback is plain HTTP; production serves HTTPS behind a proxy.
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "CONN_MAX_AGE": "60",
        # 50 clients of our own: the per-user API limit is not what is measured.
        "API_THROTTLE_USER": "1000000/minute",
        "LOG_LEVEL": "WARNING",
    }
    workdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    log_path = workdir / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    mixed, detail, ping = Tally(), Tally(), Tally()
    try:
        _wait_until_serving(port, server, log_path)
        clients = [Http(port, seat["key"]) for seat in seats]
        print(
            f"load: {CLIENTS} clients for {SECONDS:.0f} s against gunicorn with "
            f"config.settings.prod ({WORKERS} workers × {THREADS} threads)"
        )
        elapsed = _phase(clients, desk, lambda i: (seats[i],), SECONDS, mixed)
        detail_s = _phase(
            clients,
            hammer,
            lambda i: (
                lambda n, s=seats[i]: f"/api/v1/policies/{s['policies'][n % 20]}/",
                "policy_detail",
            ),
            RATIO_SECONDS,
            detail,
        )
        ping_s = _phase(
            clients, hammer, lambda i: (lambda n: "/api/v1/ping/", "ping"), RATIO_SECONDS, ping
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()

    latencies = [ms for values in mixed.ms.values() for ms in values]
    errors = mixed.errors + detail.errors + ping.errors
    if errors:
        print(f"  {len(errors)} failed requests, first: {errors[:3]}")
    print(f"  server log: {log_path}")
    print(
        "  per endpoint (mixed phase): "
        + ", ".join(
            f"{name} {len(v)} × p50 {_percentile(v, 0.5):.0f} ms"
            for name, v in sorted(mixed.ms.items())
        )
    )
    report(
        bench=BENCH,
        metric="requests_per_second",
        value=round(len(latencies) / elapsed, 1),
        unit="req/s",
        target="-",
        label=f"requests per second ({CLIENTS} clients, mixed)",
    )
    for share in (0.50, 0.95, 0.99):
        report(
            bench=BENCH,
            metric=f"latency_p{int(share * 100)}_ms",
            value=round(_percentile(latencies, share), 1),
            unit="ms",
            target=TARGET_P95_MS,
            label=f"latency p{int(share * 100)}",
        )
    report(
        bench=BENCH,
        metric="errors",
        value=len(errors),
        unit="requests",
        target=0,
        label="failed requests",
    )
    detail_rps = len(detail.ms["policy_detail"]) / detail_s
    ping_rps = len(ping.ms["ping"]) / ping_s
    report(
        bench=BENCH,
        metric="policy_detail_per_second",
        value=round(detail_rps, 1),
        unit="req/s",
        target="-",
        label="GET /api/v1/policies/<pk>/ alone",
    )
    report(
        bench=BENCH,
        metric="ping_per_second",
        value=round(ping_rps, 1),
        unit="req/s",
        target="-",
        label="bare DRF GET /api/v1/ping/ alone",
    )
    report(
        bench=BENCH,
        metric="policy_detail_vs_bare_ratio",
        value=round(detail_rps / ping_rps, 2),
        unit="x",
        target=TARGET_RATIO,
        label="policy detail throughput / bare endpoint",
    )


if __name__ == "__main__":
    main()
