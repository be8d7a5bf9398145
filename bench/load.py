"""The HTTP side of the benchmark: gunicorn on the loopback with one worker per core, a login that
keeps the session cookie, and a small load client (threads, each with its own keep-alive
http.client connection) that runs one page at a given number of concurrent clients and reports the
latency the client measured and the application time the server reported (Server-Timing)."""
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

HOST = "127.0.0.1"


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Server:
    """gunicorn config.wsgi with the bench settings, as the Dockerfile's web container runs it."""

    def __init__(self, port, *, workers=None, log_path=None, env=None):
        self.port, self.workers = port, workers or cores()
        self.log_path = Path(log_path) if log_path else None
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench", **(env or {})}
        self.process = None

    def command(self):
        """The deployment's gunicorn settings (config/gunicorn.py: the workers' gc thresholds), its own flags."""
        gunicorn = Path(sys.executable).with_name("gunicorn")
        return [str(gunicorn), "-c", "config/gunicorn.py", "config.wsgi:application", "--bind",
                f"{HOST}:{self.port}", "--workers", str(self.workers), "--timeout", "300", "--graceful-timeout", "5"]

    def __enter__(self):
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(self.command(), env=self.env, stdout=log, stderr=log,
                                        start_new_session=True, cwd=Path(settings.BASE_DIR))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start (see {self.log_path})")
            try:
                status, _body, _headers = get(self.port, "/bench/floor/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def get(port, path, headers=None, connection=None):
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=300)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, body, response
    finally:
        if connection is None:
            conn.close()


def _cookies(response):
    found = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
    return found


def login(port, username, password):
    """Log in through /accounts/login/ as a browser does (the CSRF cookie and the form's token);
    returns the Cookie header that carries the session."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        status, body, response = get(port, "/accounts/login/", connection=conn)
        if status != 200:
            raise RuntimeError(f"GET /accounts/login/ answered {status}")
        cookies = _cookies(response)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        conn.request("POST", "/accounts/login/", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Referer": f"http://{HOST}:{port}/accounts/login/",
        })
        response = conn.getresponse()
        response.read()
        cookies.update(_cookies(response))
        if response.status != 302 or "sessionid" not in cookies:
            raise RuntimeError(f"login of {username} failed ({response.status})")
        return "; ".join(f"{k}={v}" for k, v in cookies.items())
    finally:
        conn.close()


@dataclass
class Cell:
    """One page at one number of clients: latencies in ms (client and server), requests per second."""

    clients: int
    client_ms: list = field(default_factory=list)
    server_ms: list = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    in_window: int = 0  # answered (200) before the window closed: what requests per second counts
    statuses: dict = field(default_factory=dict)

    @property
    def count(self):
        return len(self.client_ms)

    @property
    def rps(self):
        return self.in_window / self.elapsed if self.elapsed else 0.0

    def p(self, q, values=None):
        values = sorted(self.client_ms if values is None else values)
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

    @property
    def p50(self):
        return self.p(50)

    @property
    def p95(self):
        return self.p(95)

    @property
    def server_p50(self):
        return self.p(50, self.server_ms)

    @property
    def server_p95(self):
        return self.p(95, self.server_ms)


SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")


def run_cell(port, cookie, paths, clients, *, duration, warmup=1.0, min_requests=30, max_seconds=120):
    """`clients` threads request `paths` in turn (each thread its own connection, kept alive) for
    `warmup` seconds not counted, then `duration` seconds counted — longer when fewer than
    `min_requests` were answered, up to `max_seconds`."""
    cell = Cell(clients=clients)
    lock = threading.Lock()
    counter = iter(range(10**9))
    start_barrier = threading.Barrier(clients + 1)
    state = {"measure_from": None, "stop": False, "stop_at": None}

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=300)
        headers = {"Cookie": cookie, "Accept-Language": "vi"}
        start_barrier.wait()
        while not state["stop"]:
            with lock:
                path = paths[next(counter) % len(paths)]
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                timing = SERVER_TIMING.search(response.getheader("Server-Timing") or "")
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                status, timing = 0, None
            ended = time.perf_counter()
            if state["measure_from"] is None or began < state["measure_from"]:
                continue
            with lock:
                cell.statuses[status] = cell.statuses.get(status, 0) + 1
                if status != 200:
                    cell.errors += 1
                    continue
                cell.client_ms.append((ended - began) * 1000)
                if state["stop_at"] is None or ended <= state["stop_at"]:
                    cell.in_window += 1
                if timing:
                    cell.server_ms.append(float(timing.group(1)))
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start_barrier.wait()
    began = time.perf_counter()
    time.sleep(warmup)
    state["measure_from"] = time.perf_counter()
    end = state["measure_from"] + duration
    while True:
        time.sleep(0.05)
        now = time.perf_counter()
        with lock:
            enough = cell.count + cell.errors >= min_requests
        if (now >= end and enough) or now - began >= max_seconds:
            break
    with lock:
        state["stop_at"] = time.perf_counter()
        cell.elapsed = state["stop_at"] - state["measure_from"]
        state["stop"] = True
    for thread in threads:
        thread.join(timeout=300)
    return cell
