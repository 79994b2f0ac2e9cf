#!/usr/bin/env bash
# `make bench`: a throwaway PostgreSQL (as in .ci/run), then every benchmark on SQLite and on it
# (on PostgreSQL also behind nginx, in front of two app servers; on both, a paid sale against localstripe).
# Arguments are passed on to `python -m bench.run`.
set -euo pipefail
cd "$(dirname "$0")/.."

# wrk for the reads; nginx and redis-server for the "two app servers behind nginx" scenario.
missing=""
command -v wrk >/dev/null || missing="$missing wrk"
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
command -v redis-server >/dev/null || missing="$missing redis-server"
if [ -n "$missing" ]; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
# localstripe for the paid sale, in the virtualenv of its own that `make setup-dev` gives it.
[ -x .venv/localstripe/bin/localstripe ] || make .venv/.installed-localstripe
source .ci/throwaway-postgres.sh
start_throwaway_postgres "${BENCH_PGPORT:-25440}"   # below the ephemeral port range
run_psql -c "CREATE ROLE bench LOGIN PASSWORD 'bench-pw'" -c "CREATE DATABASE bench OWNER bench"

.venv/bin/python -m bench.run --postgres-url "postgres://bench:bench-pw@127.0.0.1:$PGPORT/bench" "$@"
