#!/usr/bin/env bash
# Generated clients against the served API, as a client team would make them: serve the app (gunicorn, DEBUG off,
# a fresh SQLite database with the demo catalogue), fetch its live /swagger.json, convert it to OpenAPI 3, validate
# and lint it (Redocly), generate a TypeScript client (openapi-typescript + openapi-fetch) and a Python client
# (openapi-python-client), type-check the TypeScript, and run README's whole walk-through with each, using the
# generated code unedited. Then each runs the payment flow (README: "Payments with Stripe") against a second app
# served with PAYMENT_PROVIDER=stripe and localstripe, whose signed webhooks reach that app. Any drift between the
# document and the server fails. Generated code stays in generated/ and build/ (git-ignored). Tools are pinned:
# package.json + package-lock.json, requirements.txt; the Python generator's one setting is in
# openapi-python-client.yaml.
#
# Usage: .ci/clients/run.sh (from anywhere).
# Loopback ports: CLIENTS_PORT (default 28201) for the app, CLIENTS_PAID_PORT (28203) for the app with payments,
# CLIENTS_STRIPE_PORT (28202) for localstripe and CLIENTS_SMTP_PORT (28204) for the mail sink of the app with payments.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
PORT=${CLIENTS_PORT:-28201}
STRIPE_PORT=${CLIENTS_STRIPE_PORT:-28202}
PAID_PORT=${CLIENTS_PAID_PORT:-28203}
SMTP_PORT=${CLIENTS_SMTP_PORT:-28204}
SERVER="http://127.0.0.1:$PORT"
STRIPE="http://127.0.0.1:$STRIPE_PORT"
PAID_SERVER="http://127.0.0.1:$PAID_PORT"
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
WORKDIR=$(mktemp -d)
started=$SECONDS

step() { echo "::: clients: $* ($((SECONDS - started)) s)"; }

clean_up() {
    if [ $? -ne 0 ] && [ -s "$WORKDIR/localstripe.log" ]; then
        echo "::: clients: localstripe's log, last lines" >&2
        tail -n 30 "$WORKDIR/localstripe.log" >&2
    fi
    for pid_file in "$WORKDIR"/*.pid; do
        if [ -s "$pid_file" ]; then
            kill "$(cat "$pid_file")" 2>/dev/null || true
        fi
    done
    wait  # for the servers to stop, and for the tools' installation if it is still running
    rm -rf "$WORKDIR"
}
trap clean_up EXIT

# Node.js 20.19+ with npm is on the CI image; Debian 12's own nodejs (18) is too old for Redocly's CLI.
node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
         process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)' \
    || { echo "The client check needs Node.js 20.19 or later, with npm" >&2; exit 1; }

make -C "$ROOT" --silent setup-dev   # the project's .venv, which serves the app, with localstripe and aiosmtpd

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

# An older server still on one of the ports would answer in place of this run's.
need_free_port() {  # SETTING PORT
    if (: < "/dev/tcp/127.0.0.1/$2") 2>/dev/null; then
        echo "Something already listens on 127.0.0.1:$2; set $1 to a free port" >&2
        exit 1
    fi
}
need_free_port CLIENTS_PORT "$PORT"
need_free_port CLIENTS_STRIPE_PORT "$STRIPE_PORT"
need_free_port CLIENTS_PAID_PORT "$PAID_PORT"
need_free_port CLIENTS_SMTP_PORT "$SMTP_PORT"

# Every setting the server reads is given here, so that a developer's .env changes nothing. The API serves no
# static files, so none are collected (and whitenoise's warning about their missing folder is silenced).
SERVER_ENV=(
    DEBUG=False ALLOWED_HOSTS=127.0.0.1 SECRET_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')"
    REDIS_URL= CORS_ALLOWED_ORIGINS= THROTTLE_AUTH=20/minute THROTTLE_BOOKING=60/minute NUM_PROXIES=0
    JWT_ACCESS_MINUTES=10 SECURE_SSL_REDIRECT=False SECURE_HSTS_SECONDS=0 SESSION_COOKIE_SECURE=False
    CSRF_COOKIE_SECURE=False SECURE_PROXY_SSL_HEADER=off PYTHONWARNINGS="ignore:No directory at:UserWarning"
)
# The app with payments differs in these only: buyers pay through localstripe (no retries: a failure there shows
# at once). Tasks run inline after commit, as with `make run`, so a cancel's refund has reached localstripe when
# the cancel answers, with no worker to start; the mails go to a sink. Its log is at WARNING: the stripe library
# and the tasks log each call at INFO.
PAID_ENV=(
    PAYMENT_PROVIDER=stripe STRIPE_API_BASE="$STRIPE" STRIPE_SECRET_KEY=sk_test_clients
    STRIPE_PUBLISHABLE_KEY=pk_test_clients STRIPE_WEBHOOK_SECRET=whsec_clients STRIPE_NETWORK_RETRIES=0
    TASKS_BACKEND=immediate EMAIL_HOST=127.0.0.1 EMAIL_PORT="$SMTP_PORT" LOG_LEVEL=WARNING
)

# serve NAME PORT [SETTING=value ...]: the app on a fresh SQLite database of its own with the demo catalogue.
serve() {
    local name=$1 port=$2
    shift 2
    local settings=("${SERVER_ENV[@]}" DATABASE_URL="sqlite:///$WORKDIR/$name.sqlite3" CACHE_DIR="$WORKDIR/$name-cache"
                    "$@")
    env "${settings[@]}" "$ROOT/.venv/bin/python" "$ROOT/manage.py" migrate --noinput -v 0
    env "${settings[@]}" "$ROOT/.venv/bin/python" "$ROOT/manage.py" load_demo
    env "${settings[@]}" "$ROOT/.venv/bin/gunicorn" movie_booking.wsgi:application --chdir "$ROOT" \
        --bind "127.0.0.1:$port" --workers 2 --pid "$WORKDIR/$name.pid" --no-control-socket --log-level warning &
}

# until_answers WHAT CURL-ARGUMENTS...: wait (30 s at most) until `curl -f` with them succeeds.
until_answers() {
    local what=$1 attempt
    shift
    for attempt in $(seq 150); do
        curl -fsS -o /dev/null "$@" 2>/dev/null && return
        sleep 0.2
    done
    echo "$what did not answer within 30 s" >&2
    exit 1
}

# localstripe starts empty (--from-scratch: nothing of an earlier run); its log, one line a request, is shown only
# if the run fails.
"$ROOT/.venv/localstripe/bin/localstripe" --port "$STRIPE_PORT" --from-scratch > "$WORKDIR/localstripe.log" 2>&1 &
echo $! > "$WORKDIR/localstripe.pid"
"$ROOT/.venv/bin/python" -m aiosmtpd -n -c aiosmtpd.handlers.Sink -l "127.0.0.1:$SMTP_PORT" > /dev/null 2>&1 &
echo $! > "$WORKDIR/smtp.pid"
serve app "$PORT"
serve paid "$PAID_PORT" "${PAID_ENV[@]}"
until_answers "The app on $SERVER" "$SERVER/api/health/"
until_answers "The app with payments on $PAID_SERVER" "$PAID_SERVER/api/health/"
until_answers "localstripe on $STRIPE" -u sk_test_clients: "$STRIPE/v1/payment_intents"
until_answers "The mail sink on 127.0.0.1:$SMTP_PORT" "smtp://127.0.0.1:$SMTP_PORT"
# localstripe posts each event, signed, to the app's webhook about a second after it happens.
curl -fsS -o /dev/null -X POST "$STRIPE/_config/webhooks/clients" \
    -d url="$PAID_SERVER/api/payments/stripe/webhook/" -d secret=whsec_clients
step "the app answers on $SERVER; with payments, on $PAID_SERVER (localstripe: $STRIPE)"
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
node build/walkthrough.js "$SERVER" "$PAID_SERVER" "$STRIPE"

step "Python: generate, walk through"
PATH="$PWD/.venv/bin:$PATH" .venv/bin/openapi-python-client generate --path generated/openapi.json \
    --config openapi-python-client.yaml --meta none --output-path generated/movie_booking_client --fail-on-warning
PYTHONPATH=generated .venv/bin/python walkthrough.py "$SERVER" "$PAID_SERVER" "$STRIPE"

step "both generated clients ran the whole walk-through, payments included"
