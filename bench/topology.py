"""deploy/'s several-machine topology on one machine's loopback: Redis, app servers and the task worker from the
systemd units, nginx.

Shared by the deployment tests (deploy/tests), the "two app servers behind nginx" benchmark and the paid sale (its
task worker). The files of deploy/ are used as they are, with the edits README's "Deploy on several machines" asks
of a reader: the app servers' addresses and nginx's listen address in the nginx site, the install folder in the
systemd units.
"""
import http.client
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
INSTALL_DIR = "/srv/movie-booking"  # where deploy/systemd/movie-booking.service expects the checkout
EXAMPLE_APP_SERVERS = ["10.0.0.11:8000", "10.0.0.12:8000"]  # the upstream lines of the nginx site
EXAMPLE_LISTEN = "listen 80;"
START_TIMEOUT_S = 60


def find_program(name):
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"]))


def tail(path, lines=40):
    if path is None or not Path(path).exists():
        return ""
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


def wait_until(ready, what, process=None, log=None, timeout=START_TIMEOUT_S):
    """Polls `ready()` until it is true; fails with the log's tail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{tail(log)}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} was not ready within {timeout} s:\n{tail(log)}")


def stop(process, signal_number=signal.SIGTERM, timeout=30):
    """Sends `signal_number` (None: it was sent already) and waits, bounded; a process that outlives it is killed."""
    if process is None or process.poll() is not None:
        return
    if signal_number is not None:
        process.send_signal(signal_number)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def http_status(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def redis_ping(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(64).startswith(b"+PONG")


def start_redis(folder, port):
    """A Redis on 127.0.0.1:port that keeps nothing on disk; returns its process, ready."""
    log = Path(folder) / "redis.log"
    process = subprocess.Popen(
        [find_program("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder), "--logfile", str(log), "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    wait_until(lambda: redis_ping(port), "redis-server", process, log)
    return process


def unit_command(unit):
    """WorkingDirectory and ExecStart of one of deploy/systemd's units, moved to this checkout."""
    settings = {}
    for line in (DEPLOY / "systemd" / unit).read_text().splitlines():
        key, _, value = line.partition("=")
        if key in ("WorkingDirectory", "ExecStart"):
            settings[key] = value.replace(INSTALL_DIR, str(ROOT))
    return Path(settings["WorkingDirectory"]), shlex.split(settings["ExecStart"])


def launch_unit(unit, env, log):
    workdir, command = unit_command(unit)
    with Path(log).open("ab") as output:
        return subprocess.Popen(command, cwd=workdir, env=env, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)


def launch_app_server(env, log):
    """One app server as systemd starts it (env: the .env of that machine, GUNICORN_BIND included)."""
    return launch_unit("movie-booking.service", env, log)


def launch_worker(env, log):
    """The task worker as systemd starts it: it sends the mails and the refunds the app servers queue."""
    return launch_unit("movie-booking-worker.service", env, log)


def wait_app_server_ready(process, port, log):
    wait_until(lambda: http_status(port, "/api/health/") == 200, f"app server on {port}", process, log)


def replace_once(text, old, new):
    if text.count(old) != 1:
        raise ValueError(f"expected {old!r} exactly once in deploy/nginx/movie-booking.conf")
    return text.replace(old, new)


def nginx_site(app_ports, listen_port):
    """deploy/nginx/movie-booking.conf with README's edits: the app servers' addresses, the listen address."""
    site = (DEPLOY / "nginx" / "movie-booking.conf").read_text()
    for example, port in zip(EXAMPLE_APP_SERVERS, app_ports, strict=True):
        site = replace_once(site, f"server {example} ", f"server 127.0.0.1:{port} ")
    return replace_once(site, EXAMPLE_LISTEN, f"listen 127.0.0.1:{listen_port};")


def start_nginx(folder, app_ports, listen_port):
    """nginx serving the site, with what Debian's /etc/nginx/nginx.conf gives a site; every file in `folder`.

    `folder` must be readable by nginx's workers (user nobody when started as root): they buffer below it.
    """
    folder = Path(folder)
    site = folder / "movie-booking.conf"
    site.write_text(nginx_site(app_ports, listen_port))
    main = folder / "nginx.conf"
    main.write_text(f"""
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 768; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {folder}/nginx-access.log;
    include {site};
}}
""")
    command = [find_program("nginx"), "-p", f"{folder}/", "-e", str(folder / "nginx-error.log"), "-c", str(main)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx refuses the site:\n{checked.stderr}")
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               start_new_session=True)
    wait_until(lambda: http_status(listen_port, "/api/health/") == 200, "nginx", process, folder / "nginx-error.log")
    return process


def stop_nginx(process):
    stop(process, signal.SIGQUIT)  # QUIT: finish the requests in flight, then exit
