"""gunicorn settings of one app server: `gunicorn -c deploy/gunicorn.conf.py movie_booking.wsgi:application`.

Meant to sit behind nginx (deploy/nginx/movie-booking.conf), which buffers slow clients and answers
malformed requests itself; gunicorn must never face clients directly. `.env` is read first, as the
settings module does, and real environment variables win over it.
"""
import json
import os
from pathlib import Path

from dotenv import load_dotenv
from gunicorn import util

load_dotenv(Path(__file__).resolve().parent.parent / ".env")

# The address nginx reaches this server on: loopback when nginx runs on the same machine,
# the private interface when it does not.
bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"

# Measured on 2 cores (`python -m bench.sizing`, bench/results/sizing.md): two threads per gthread worker sold
# a 500-seat flash sale fastest (1 worker x 8 threads took twice as long: the work is CPU-bound Python and
# more threads only queue for the GIL). Two workers per core rather than one: each worker keeps the
# keep-alive connections it accepted, and they land unevenly, so with one worker per core a run now and then
# had one worker holding every connection while the other idled, at half the throughput; with two per core
# the busy ones still cover the cores. On a bigger machine start from the same formula and measure again.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * (os.cpu_count() or 1))
threads = int(os.environ.get("GUNICORN_THREADS") or 2)

# Workers fork from a master that has imported Django once: faster starts, shared memory.
# Django opens no database connection at import, so none is shared across the fork.
preload_app = True

# A worker that stops answering for this long is replaced; nginx's proxy_read_timeout is longer.
timeout = 30
graceful_timeout = 30
# Longer than nginx's upstream keepalive_timeout (60 s), so nginx always closes an idle kept-alive
# connection first and never sends a request down one that gunicorn is closing.
keepalive = 75

# nginx's limits are the tighter ones (4 KiB request line and header, 64 KiB body), so every oversized
# request is refused by nginx in JSON and none reaches gunicorn's HTML error pages. The header count is
# bounded by nginx's header buffers instead of gunicorn's default of 100 fields.
limit_request_line = 8190
limit_request_field_size = 8190
limit_request_fields = 32768

# No peer may set the scheme through headers here, loopback included (gunicorn trusts 127.0.0.1 by default):
# whether `X-Forwarded-Proto: https` is believed is the app's SECURE_PROXY_SSL_HEADER alone, off unless a
# TLS-terminating proxy that overwrites the header is in front (README, "Security").
forwarded_allow_ips = ""

# One server per port may run on a machine: no shared control socket in the home directory.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = "info"


# gunicorn refuses some malformed requests itself, before Django sees them (a control byte in a header
# value, two Content-Type headers, a raw non-ASCII byte in the URL: nginx passes these on), and writes its
# refusal as an HTML page through this one function. The API answers every error in JSON, so it does too.
ERROR_CODES = {400: "bad_request", 403: "permission_denied", 414: "uri_too_long", 417: "expectation_failed",
               431: "headers_too_large", 500: "server_error", 501: "not_implemented"}


def write_json_error(sock, status_int, reason, mesg):
    body = json.dumps({"detail": mesg or f"{reason}.", "code": ERROR_CODES.get(status_int, "bad_request")}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_json_error
