#!/usr/bin/env bash
# `make bench`: a throwaway PostgreSQL (as in .ci/run), then every benchmark on SQLite and on it.
# Arguments are passed on to `python -m bench.run`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql wrk >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)   # initdb/pg_ctl are not on PATH
PGPORT=${BENCH_PGPORT:-25440}  # below the ephemeral port range
PGDIR=$(mktemp -d /tmp/bench-pg.XXXXXX)
chown postgres:postgres "$PGDIR"
as_postgres() { (cd / && runuser -u postgres -- "$@"); }
stop_postgres() {
  as_postgres "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
}
trap stop_postgres EXIT
as_postgres "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
  --auth-local=trust --auth-host=scram-sha-256 >/dev/null
# Durability settings as in CI: the bench measures the application, not the disk.
as_postgres "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 30 start -o \
  "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
as_postgres psql -q -h "$PGDIR" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE bench LOGIN PASSWORD 'bench-pw'" -c "CREATE DATABASE bench OWNER bench"

.venv/bin/python -m bench.run --postgres-url "postgres://bench:bench-pw@127.0.0.1:$PGPORT/bench" "$@"
