"""OUT-12: counter queue throughput with 50 outlets working at once, and zero lost or
duplicated ticket numbers.

50 outlets of one county, each with an API client account placed at the outlet and two
tokens: a ticket kiosk that issues tickets as fast as it is answered while fewer than
three wait, and a counter that calls the next customer, serves and closes the ticket.
The 100 clients run as threads with keep-alive HTTP connections on loopback against a
real gunicorn server (gthread workers, the test settings, the bench database and Redis,
persistent database connections) for a fixed time (QUEUE_BENCH_SECONDS, default 30).

Reported: tickets issued, called and done per second over all outlets, the issue
latency (p50, p99), and, checked in SQL afterwards, the numbers lost (a number answered
to a kiosk without its ticket row, or a gap in 1..N per outlet and day) and the numbers
given twice. Both must be zero.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from bench.common import report, setup

BENCH = "queue"
OUTLETS = 50
SECONDS = float(os.environ.get("QUEUE_BENCH_SECONDS", "30"))
WORKERS = int(os.environ.get("QUEUE_BENCH_WORKERS", "3"))
THREADS = int(os.environ.get("QUEUE_BENCH_THREADS", "8"))
# A busy township outlet sees about one customer a minute; 50 of them at a rush hour of
# three a minute need 2.5 tickets/s. The target leaves four times that.
TARGET_PER_SECOND = 10
TARGET_ISSUE_P99_MS = 1000
# Tickets waiting per outlet before its kiosk pauses.
QUEUE_LENGTH = 3
PURPOSES = ["consultation", "complaint", "issuance", "claim", "change"]
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Client:
    """One keep-alive connection of one token; reconnects if the server closes it."""

    def __init__(self, port: int, key: str):
        self.port = port
        self.headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        payload = json.dumps(body or {})
        for attempt in (1, 2):
            try:
                self.connection.request("POST", path, payload, self.headers)
                response = self.connection.getresponse()
                data = response.read()
                try:
                    return response.status, json.loads(data) if data else None
                except ValueError:  # an HTML error page
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
        self.counts: dict[str, int] = defaultdict(int)
        self.issue_ms: list[float] = []
        self.issued: dict[int, list[int]] = defaultdict(list)  # outlet → numbers answered
        self.called: dict[int, int] = defaultdict(int)  # outlet → tickets called
        self.errors: list[str] = []

    def waiting(self, outlet_id: int) -> int:
        with self.lock:
            return len(self.issued[outlet_id]) - self.called[outlet_id]

    def add(self, op: str, n: int = 1) -> None:
        with self.lock:
            self.counts[op] += n


def kiosk(client: Client, outlet_id: int, stop: threading.Event, go: threading.Barrier, tally):
    go.wait()
    n = 0
    while not stop.is_set():
        # Customers keep coming while a few wait: the queue stays as long as a real one
        # and the counter's calls run beside the issues, not after them.
        if tally.waiting(outlet_id) >= QUEUE_LENGTH:
            time.sleep(0.01)
            continue
        started = time.perf_counter()
        status, body = client.post(
            f"/api/v1/outlets/{outlet_id}/queue/tickets/",
            {"purpose": PURPOSES[n % len(PURPOSES)]},
        )
        elapsed = (time.perf_counter() - started) * 1000
        n += 1
        if status != 201:
            tally.errors.append(f"issue {outlet_id}: {status} {body}")
            continue
        with tally.lock:
            tally.counts["issued"] += 1
            tally.issue_ms.append(elapsed)
            tally.issued[outlet_id].append(body["number"])


def counter(client: Client, outlet_id: int, stop: threading.Event, go: threading.Barrier, tally):
    go.wait()
    while not stop.is_set():
        status, body = client.post(f"/api/v1/outlets/{outlet_id}/queue/call-next/", {"window": "1"})
        if status == 204:
            time.sleep(0.02)
            continue
        if status != 200:
            tally.errors.append(f"call {outlet_id}: {status} {body}")
            continue
        with tally.lock:
            tally.counts["called"] += 1
            tally.called[outlet_id] += 1
        ticket = body["id"]
        for step, op in (("serve", "served"), ("done", "done")):
            status, body = client.post(f"/api/v1/queue-tickets/{ticket}/{step}/")
            if status != 200:
                tally.errors.append(f"{step} {ticket}: {status} {body}")
                break
            tally.add(op)


def _guarded(role, client, outlet_id, stop, go, tally) -> None:
    """A client that dies counts as failed requests instead of vanishing silently."""
    try:
        role(client, outlet_id, stop, go, tally)
    except Exception as exc:
        tally.errors.append(f"{role.__name__} {outlet_id} stopped: {exc!r}")


def _wait_until_serving(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("queue: the server exited\n" + log.read_text()[-3000:])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("queue: the server did not start\n" + log.read_text()[-3000:])


def main() -> None:
    setup()
    from django.db import connection

    from core.api.tokens import api_token_create
    from core.models import OrgUnit, Role, User

    province = OrgUnit.objects.create(kind=OrgUnit.Kind.PROVINCE, code="Q44", name="省")
    city = OrgUnit.objects.create(kind=OrgUnit.Kind.CITY, code="Q4418", name="市", parent=province)
    county = OrgUnit.objects.create(
        kind=OrgUnit.Kind.COUNTY, code="Q441823", name="县", parent=city
    )
    desks = []
    for n in range(OUTLETS):
        outlet = OrgUnit.objects.create(
            kind=OrgUnit.Kind.OUTLET, code=f"Q441823{n:02d}", name=f"所{n}", parent=county
        )
        account = User.objects.create(username=f"kiosk{n}", org_unit=outlet, role=Role.API_CLIENT)
        _token, kiosk_key = api_token_create(user=account, name="kiosk")
        _token, counter_key = api_token_create(user=account, name="counter")
        desks.append((outlet.pk, kiosk_key, counter_key))

    db = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "CONN_MAX_AGE": "60",
        # The kiosks are our own systems; the per-user API limit is not what is measured.
        "API_THROTTLE_USER": "1000000/minute",
        "LOG_LEVEL": "WARNING",
    }
    workdir = Path(tempfile.mkdtemp(prefix="queue-bench-"))
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
    tally = Tally()
    try:
        _wait_until_serving(port, server, log_path)
        print(
            f"queue: {OUTLETS} outlets × (kiosk + counter) for {SECONDS:.0f} s against "
            f"gunicorn ({WORKERS} workers × {THREADS} threads)"
        )
        stop = threading.Event()
        go = threading.Barrier(2 * OUTLETS + 1)
        threads = []
        for outlet_id, kiosk_key, counter_key in desks:
            for role, key in ((kiosk, kiosk_key), (counter, counter_key)):
                thread = threading.Thread(
                    target=_guarded, args=(role, Client(port, key), outlet_id, stop, go, tally)
                )
                thread.start()
                threads.append(thread)
        go.wait()
        started = time.monotonic()
        time.sleep(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()

    connection.close()
    with connection.cursor() as cursor:
        # Per outlet and day: the numbers must be exactly 1..N, and N the counter's value.
        cursor.execute(
            """
            SELECT t.outlet_id, t.day, COUNT(*), COUNT(DISTINCT t.number), MIN(t.number),
                   MAX(t.number), MAX(c.last_number)
            FROM outlets_queueticket t
            JOIN outlets_queuecounter c ON c.outlet_id = t.outlet_id AND c.day = t.day
            GROUP BY t.outlet_id, t.day
            """
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT outlet_id, number FROM outlets_queueticket")
        stored: dict[int, set[int]] = defaultdict(set)
        for outlet_id, number in cursor.fetchall():
            stored[outlet_id].add(number)
    duplicated = sum(count - distinct for _o, _d, count, distinct, *_ in rows)
    gaps = sum(
        (last - count) + (low != 1) + (counter_last != last)
        for _o, _d, count, _distinct, low, last, counter_last in rows
    )
    answered_twice = sum(len(n) - len(set(n)) for n in tally.issued.values())
    answered_not_stored = sum(len(set(n) - stored[o]) for o, n in tally.issued.items())

    if tally.errors:
        print(f"  {len(tally.errors)} failed requests, first: {tally.errors[:3]}")
    print(f"  server log: {log_path}")
    for op, label in (("issued", "issued"), ("called", "called"), ("done", "served to done")):
        report(
            bench=BENCH,
            metric=f"tickets_{op}_per_second_50_outlets",
            value=round(tally.counts[op] / elapsed, 1),
            unit="/s",
            target=TARGET_PER_SECOND,
            label=f"tickets {label} per second",
        )
    report(
        bench=BENCH,
        metric="issue_latency_p50_ms",
        value=round(_percentile(tally.issue_ms, 0.50), 1),
        unit="ms",
        target=TARGET_ISSUE_P99_MS,
        label="issue latency p50",
    )
    report(
        bench=BENCH,
        metric="issue_latency_p99_ms",
        value=round(_percentile(tally.issue_ms, 0.99), 1),
        unit="ms",
        target=TARGET_ISSUE_P99_MS,
        label="issue latency p99",
    )
    report(
        bench=BENCH,
        metric="numbers_lost",
        value=gaps + answered_not_stored,
        unit="numbers",
        target=0,
        label="numbers lost (gaps in 1..N, answered without a ticket)",
    )
    report(
        bench=BENCH,
        metric="numbers_duplicated",
        value=duplicated + answered_twice,
        unit="numbers",
        target=0,
        label="numbers given twice",
    )
    report(
        bench=BENCH,
        metric="failed_requests",
        value=len(tally.errors),
        unit="requests",
        target=0,
        label="failed requests",
    )
    if gaps + answered_not_stored + duplicated + answered_twice:
        raise SystemExit("queue: ticket numbers were lost or given twice")


if __name__ == "__main__":
    main()
