#!/usr/bin/env bash
# Benchmarks (not tests): each prints figures for people and one `BENCH {json}` line per
# figure. `scripts/run-bench.sh` runs all of bench/*_bench.py; `scripts/run-bench.sh sweep`
# runs bench/sweep_bench.py only. They use a PostgreSQL database of their own, dropped and
# recreated on each run, never the development or test database.
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_SETTINGS_MODULE=config.settings.test
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sannong_bench}"
export REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}"

if [ $# -gt 0 ] && [ -n "$1" ]; then
    names=("$@")
else
    names=()
    for file in bench/*_bench.py; do
        name=$(basename "$file" _bench.py)
        names+=("$name")
    done
fi

for name in "${names[@]}"; do
    if [ ! -f "bench/${name}_bench.py" ]; then
        echo "run-bench: no benchmark '$name'; have: $(cd bench && ls ./*_bench.py | sed 's/_bench.py//; s|./||' | xargs)" >&2
        exit 1
    fi
    .venv/bin/python -m "bench.${name}_bench"
done
