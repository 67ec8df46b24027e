"""Real processes for the fault tests (tests/test_faults.py): a redis-server of their own
that they may kill, Celery workers that they SIGKILL, and a slow breach rule.

The worker imports this module (`--include tests.fault_support`), so the slow rule's
handler is registered in the worker as in the test process.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection

from core.notifications import notify_staff
from core.timers import breach_handler

ROOT = Path(__file__).resolve().parent.parent
SLOW_RULE = "TEST-FAULT-SLOW"
# Long enough that a sweep of a few thousand timers takes seconds (a window to kill it
# in), short enough that the tests stay well under a minute each.
HANDLER_SLEEP = float(os.environ.get("FAULT_HANDLER_SLEEP", "0.004"))
REDIS_PORT = int(os.environ.get("FAULT_REDIS_PORT", "6391"))


@breach_handler(SLOW_RULE)
def _slow_breach(timer) -> None:
    """A breach action that takes a while and writes one outbox row per timer: the row
    and the BREACHED state must commit together, once."""
    time.sleep(HANDLER_SLEEP)
    notify_staff(
        recipients=[timer.owner] if timer.owner_id else None,
        org_unit=timer.org_unit,
        subject="fault test breach",
        body="",
        dedup_key=f"fault:{timer.pk}:breach",
    )


def wait_for(predicate: Callable[[], object], *, timeout: float, step: float = 0.2):
    """Poll `predicate` until it is truthy (returned) or the deadline passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(step)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class RedisServer:
    """A throwaway redis-server (no persistence) on its own port, killable at will."""

    def __init__(self, port: int, log: Path):
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if _port_open(self.port):
            raise RuntimeError(f"port {self.port} is taken; set FAULT_REDIS_PORT to a free one")
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server not found")
        self.process = subprocess.Popen(
            [
                executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        if not wait_for(lambda: self._pong(), timeout=15, step=0.1):
            self.stop()
            raise RuntimeError(f"redis-server did not start:\n{self.log.read_text()[-2000:]}")

    def _pong(self) -> bool:
        import redis

        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """SIGKILL: the server and everything queued in it are gone."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_for(lambda: not _port_open(self.port), timeout=10, step=0.1)

    stop = kill


WORKER_APPLICATION_NAME = "sannong-fault-worker"


def worker_env(redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker on this test's database and the fault Redis."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": redis_url,
        # libpq names the worker's connections, so a test drops only those.
        "PGAPPNAME": WORKER_APPLICATION_NAME,
        "LOG_LEVEL": "INFO",
        **extra,
    }


class Worker:
    """`celery worker` (prefork, optionally with beat) in a process group of its own, so
    that a SIGKILL takes the pool children and beat down with it, as a crash would."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str):
        self.env = env
        self.workdir = workdir
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, *, beat: bool = False, concurrency: int = 1) -> "Worker":
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--include",
            "tests.fault_support",
            "--hostname",
            f"{self.name}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ]
        if beat:
            command += ["--beat", "--schedule", str(self.workdir / f"{self.name}-beat")]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            cwd=ROOT,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_for(
            lambda: "ready." in self.log() or self.process.poll() is not None, timeout=60
        ):
            raise RuntimeError(f"{self.name} did not start:\n{self.log()[-3000:]}")
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited:\n{self.log()[-3000:]}")
        return self

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL the worker, its pool children and its beat at once."""
        if self.process is None:
            return
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Cleanup on every path: nothing it does after the test matters."""
        if self.process is not None and self.process.poll() is None:
            self.kill()


def send_task(redis_url: str, name: str, *args) -> None:
    """Enqueue a task on the fault Redis (the test process's own broker is another)."""
    from config.celery import app

    with app.connection_for_write(redis_url) as conn:
        app.send_task(name, args=list(args), connection=conn)
