#!/usr/bin/env bash
# Generated clients against the served API, as a client team would make them: serve the app (gunicorn, DEBUG off,
# a fresh SQLite database with the demo catalogue), fetch its live /swagger.json, convert it to OpenAPI 3, validate
# and lint it (Redocly), generate a TypeScript client (openapi-typescript + openapi-fetch) and a Python client
# (openapi-python-client), type-check the TypeScript, and run README's whole walk-through with each, using the
# generated code unedited. Any drift between the document and the server fails. Generated code stays in generated/
# and build/ (git-ignored). Tools are pinned: package.json + package-lock.json, requirements.txt; the Python
# generator's one setting is in openapi-python-client.yaml.
#
# Usage: .ci/clients/run.sh (from anywhere).
# CLIENTS_PORT (default 28201) is the loopback port the app is served on.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
PORT=${CLIENTS_PORT:-28201}
SERVER="http://127.0.0.1:$PORT"
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
WORKDIR=$(mktemp -d)
started=$SECONDS

step() { echo "::: clients: $* ($((SECONDS - started)) s)"; }

clean_up() {
    if [ -s "$WORKDIR/gunicorn.pid" ]; then
        kill "$(cat "$WORKDIR/gunicorn.pid")" 2>/dev/null || true
    fi
    wait  # for the server to stop, and for the tools' installation if it is still running
    rm -rf "$WORKDIR"
}
trap clean_up EXIT

# Node.js 20.19+ with npm is on the CI image; Debian 12's own nodejs (18) is too old for Redocly's CLI.
node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
         process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)' \
    || { echo "The client check needs Node.js 20.19 or later, with npm" >&2; exit 1; }

make -C "$ROOT" --silent setup   # the project's .venv, which serves the app

install_tools() {
    if [ ! node_modules/.package-lock.json -nt package-lock.json ]; then
        npm ci --no-audit --no-fund --loglevel=error
    fi
    # A venv without its own pip, filled by the project's pip: seconds instead of a minute
    [ -x .venv/bin/python ] || "$PYTHON" -m venv --without-pip .venv
    "$ROOT/.venv/bin/pip" --python .venv/bin/python install --quiet --no-compile --disable-pip-version-check \
        -r requirements.txt
}
step "tools (npm ci, pip), while the app is set up"
install_tools > "$WORKDIR/tools.log" 2>&1 &
tools=$!

# Every setting the server reads is given here, so that a developer's .env changes nothing. The API serves no
# static files, so none are collected (and whitenoise's warning about their missing folder is silenced).
SERVER_ENV=(
    DEBUG=False ALLOWED_HOSTS=127.0.0.1 SECRET_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')"
    DATABASE_URL="sqlite:///$WORKDIR/db.sqlite3" CACHE_DIR="$WORKDIR/cache" REDIS_URL= CORS_ALLOWED_ORIGINS=
    THROTTLE_AUTH=20/minute THROTTLE_BOOKING=60/minute NUM_PROXIES=0 JWT_ACCESS_MINUTES=10
    SECURE_SSL_REDIRECT=False SECURE_HSTS_SECONDS=0 SESSION_COOKIE_SECURE=False CSRF_COOKIE_SECURE=False
    SECURE_PROXY_SSL_HEADER=off PYTHONWARNINGS="ignore:No directory at:UserWarning"
)
if curl -s -o /dev/null "$SERVER/"; then
    echo "Something already answers on $SERVER; set CLIENTS_PORT to a free port" >&2
    exit 1
fi
env "${SERVER_ENV[@]}" "$ROOT/.venv/bin/python" "$ROOT/manage.py" migrate --noinput -v 0
env "${SERVER_ENV[@]}" "$ROOT/.venv/bin/python" "$ROOT/manage.py" load_demo
env "${SERVER_ENV[@]}" "$ROOT/.venv/bin/gunicorn" movie_booking.wsgi:application --chdir "$ROOT" \
    --bind "127.0.0.1:$PORT" --workers 2 --pid "$WORKDIR/gunicorn.pid" --no-control-socket --log-level warning &
for attempt in $(seq 150); do
    curl -fsS -o /dev/null "$SERVER/api/health/" 2>/dev/null && break
    [ "$attempt" -lt 150 ] || { echo "The app did not answer on $SERVER within 30 s" >&2; exit 1; }
    sleep 0.2
done
step "the app answers on $SERVER"
wait "$tools" || { cat "$WORKDIR/tools.log" >&2; exit 1; }

step "fetch the live document, convert it to OpenAPI 3, validate and lint it"
rm -rf generated build
mkdir generated
curl -fsS "$SERVER/swagger.json" -o generated/swagger.json
npx swagger2openapi generated/swagger.json --outfile generated/openapi.json
npx oas-validate generated/openapi.json   # swagger2openapi's own validator of the result
# No telemetry sent, no look-up for a newer version.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    npx redocly lint generated/openapi.json --config redocly.yaml --format=summary

step "TypeScript: generate, type-check and compile, walk through"
npx openapi-typescript generated/openapi.json --output generated/api.ts
npx tsc --project tsconfig.json   # noEmitOnError: a type error stops here, before anything runs
node build/walkthrough.js "$SERVER"

step "Python: generate, walk through"
PATH="$PWD/.venv/bin:$PATH" .venv/bin/openapi-python-client generate --path generated/openapi.json \
    --config openapi-python-client.yaml --meta none --output-path generated/movie_booking_client --fail-on-warning
PYTHONPATH=generated .venv/bin/python walkthrough.py "$SERVER"

step "both generated clients ran the whole walk-through"
