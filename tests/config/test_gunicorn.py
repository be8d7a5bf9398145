"""gunicorn's workers run with the garbage-collector thresholds of config/gunicorn.py, and with what
they loaded frozen out of the collector's sight, in the deployment and in the benchmark alike."""
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from config.collector import GC_THRESHOLDS

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_gunicorn_worker_started_with_the_config_has_the_thresholds_and_its_load_frozen():
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "-c", "config/gunicorn.py", "tests.config.gc_app:application",
                                "--bind", f"127.0.0.1:{port}", "--workers", "1"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, body = time.monotonic() + 30, None
        while time.monotonic() < deadline and body is None:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()
            except OSError:
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
    thresholds, frozen = body.split(";")
    assert thresholds == ",".join(str(n) for n in GC_THRESHOLDS)
    assert int(frozen) > 1000  # the modules gunicorn and the app loaded
    assert GC_THRESHOLDS != (700, 10, 10)  # not Python's defaults


def test_the_deployment_and_the_benchmark_start_gunicorn_with_the_config():
    from bench.load import Server

    compose = (ROOT / "docker-compose.yml").read_text()
    assert "gunicorn -c config/gunicorn.py config.wsgi:application" in compose
    assert Server(0).command()[1:3] == ["-c", "config/gunicorn.py"]
