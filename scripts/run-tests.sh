#!/usr/bin/env bash
# The whole suite on PostgreSQL and Redis. Under CI, services that are down are started
# with this machine's commands; anything still unreachable fails the run loudly.
# Extra arguments go to pytest (e.g. scripts/run-tests.sh tests/test_timers.py -x).
set -euo pipefail
cd "$(dirname "$0")/.."

# The same defaults as config/settings/test.py, exported so the checks below probe what
# the tests will use.
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sannong}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"

die() {
    echo "run-tests: $*" >&2
    exit 1
}

for tool in pg_isready redis-cli; do
    command -v "$tool" >/dev/null || die "'$tool' not found; install postgresql-client and redis-tools."
done

postgres_up() { pg_isready -q -d "$DATABASE_URL" -t 3; }
redis_up() { [ "$(redis-cli -u "$REDIS_URL" ping 2>/dev/null)" = "PONG" ]; }

start_postgres() {
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
}

start_redis() {
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

wait_for() {
    local check=$1
    for _ in $(seq 30); do
        "$check" && return 0
        sleep 1
    done
    return 1
}

ensure() {
    local name=$1 check=$2 start=$3 url=$4 var=$5
    "$check" && return 0
    if [ -n "${CI:-}" ]; then
        echo "run-tests: $name is down at $url; starting it"
        "$start" || die "could not start $name."
        wait_for "$check" || die "$name did not come up at $url."
    else
        die "$name is not reachable at $url. Start it, or point $var at a running one."
    fi
}

ensure PostgreSQL postgres_up start_postgres "$DATABASE_URL" DATABASE_URL
ensure Redis redis_up start_redis "$REDIS_URL" REDIS_URL

# --create-db: every run starts from the current migrations, never a stale test database.
status=0
.venv/bin/pytest --create-db "$@" || status=$?
if [ "$status" -eq 5 ]; then
    die "pytest collected no tests; that is a failure, not a pass."
fi
exit "$status"
