# Sourced by .ci/run and bench/run.sh. `start_throwaway_postgres PORT` starts a PostgreSQL server from
# Debian's packages (installed when missing) on 127.0.0.1:PORT, without systemd and with durability off
# (it holds test and benchmark data only), and stops it and removes its files when the script exits.
# `run_psql ARGS...` then runs psql as the postgres superuser.

as_postgres() { (cd / && runuser -u postgres -- "$@"); }   # cd /: runuser cannot enter root's home

start_throwaway_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >/dev/null
  fi
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)   # initdb/pg_ctl are not on PATH
  PGPORT=$1
  PGDIR=$(mktemp -d /tmp/throwaway-pg.XXXXXX)
  chown postgres:postgres "$PGDIR"
  trap stop_throwaway_postgres EXIT
  as_postgres "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  as_postgres "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 30 start -o \
    "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
}

stop_throwaway_postgres() {
  as_postgres "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
}

run_psql() { as_postgres psql -q -h "$PGDIR" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
