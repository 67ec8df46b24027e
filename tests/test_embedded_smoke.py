"""`make run`'s embedded default (SQLite file, filesystem broker) must keep working: migrate
and seed a fresh file, start the server, fetch the login page and one API endpoint."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(*args: str, env: dict, timeout: float = 180) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.geturl(), response.read().decode()


def _wait_until_serving(
    base: str, server: subprocess.Popen, log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited:\n" + log.read_text()[-3000:]
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # 503 (no sweep yet) still means it is serving
        except OSError:
            time.sleep(0.3)
    pytest.fail("the server did not start:\n" + log.read_text()[-3000:])


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_embedded_default_migrates_seeds_and_serves(tmp_path):
    # The suite's own settings put DATABASE_URL and REDIS_URL in os.environ; the embedded
    # default is exactly what runs without them.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", SANNONG_VAR_DIR=str(tmp_path / "var"))

    _manage("migrate", "--noinput", env=env)
    seeded = _manage("seed_demo", env=env)
    assert (tmp_path / "var" / "sannong.sqlite3").exists()
    key = re.search(r"Authorization: Token (\S+)", seeded).group(1)
    assert "exists already" in _manage("seed_demo", env=env), "seed_demo must be idempotent"

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_serving(base, server, log_path)
        status, url, page = _get(f"{base}/")
        assert status == 200
        assert url != f"{base}/", "an anonymous visitor is sent to the login page"
        assert re.search(r"[\u4e00-\u9fff]", page), "the login page is in Chinese"

        status, _, body = _get(f"{base}/api/v1/me/", {"Authorization": f"Token {key}"})
        assert status == 200
        assert json.loads(body)["username"] == "erp"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
