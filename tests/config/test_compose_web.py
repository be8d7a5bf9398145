"""The web container as docker-compose.yml runs it: gunicorn with the command written there, the
production settings, and the container's health check (``python -m config.healthcheck``).

Issue 11, finding 4: with a database that accepts connections but never answers, /healthz hung 30 s
and gunicorn's worker was killed (a 500 at the proxy); it must answer 503 within 3 s."""
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_HOST = "hdnd.example.gov.vn"


def compose_gunicorn_argv(port):
    """The web service's gunicorn command from docker-compose.yml, ${VAR:-default} taken at its default,
    bound to ``port`` on the loopback with one worker."""
    text = (ROOT / "docker-compose.yml").read_text()
    command = re.search(r"(gunicorn (?:-c \S+ )?config\.wsgi:application[^\"]*)\"", text).group(1)
    argv = shlex.split(re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command))
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
    argv[argv.index("--workers") + 1] = "1"
    return argv


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port():
    """A port where connections are accepted and never answered (a frozen PostgreSQL)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []

    def accept_forever():
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept_forever, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for conn in held:
        conn.close()


def test_compose_sets_gunicorn_timeouts_deliberately():
    # The web command is a folded block (">"): YAML joins its lines with spaces only when they share
    # one indentation; a more indented line keeps its newline, which would end the command for sh -c.
    block = re.search(r"\n    command: >\n((?:      .*\n)+)", (ROOT / "docker-compose.yml").read_text()).group(1)
    assert "gunicorn" in block
    assert {len(line) - len(line.lstrip()) for line in block.splitlines()} == {6}
    argv = compose_gunicorn_argv(8000)
    assert argv[argv.index("--timeout") + 1] == "60"
    assert argv[argv.index("--graceful-timeout") + 1] == "30"
    text = (ROOT / "docker-compose.yml").read_text()
    assert '["CMD", "python", "-m", "config.healthcheck"]' in text


def start_web(database_url, port, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY="compose-test-only",
               DJANGO_ALLOWED_HOSTS=ALLOWED_HOST, DATABASE_URL=database_url, MEDIA_ROOT=str(tmp_path))
    argv = compose_gunicorn_argv(port)
    log = open(tmp_path / "gunicorn.log", "w")
    process = subprocess.Popen([sys.executable, "-m", *argv], cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError((tmp_path / "gunicorn.log").read_text())


def healthcheck(port):
    env = {**os.environ, "DJANGO_ALLOWED_HOSTS": f"{ALLOWED_HOST},localhost",
           "HEALTHCHECK_URL": f"http://127.0.0.1:{port}/healthz"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "config.healthcheck"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=30)
    return result, time.monotonic() - started


def database_url_of_the_tests():
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    return (f"postgres://{settings_dict['USER']}{password}@{settings_dict['HOST'] or 'localhost'}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}")


@pytest.mark.django_db
def test_the_container_health_check_passes_when_all_is_well(tmp_path):
    port = free_port()
    web = start_web(database_url_of_the_tests(), port, tmp_path)
    try:
        result, _ = healthcheck(port)
    finally:
        web.terminate()
        web.wait(timeout=40)

    assert result.returncode == 0, result.stdout + result.stderr + (tmp_path / "gunicorn.log").read_text()
    assert '"database": "ok"' in result.stdout


def test_healthz_under_gunicorn_answers_503_within_3_s_when_the_database_never_answers(tmp_path, silent_port):
    port = free_port()
    web = start_web(f"postgres://postgres@127.0.0.1:{silent_port}/hdnd", port, tmp_path)
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz",
                                         headers={"Host": ALLOWED_HOST, "X-Forwarded-Proto": "https"})
        # A new worker's first request also imports the views (1.5 s on an idle machine here): not timed.
        with pytest.raises(urllib.error.HTTPError) as first:
            urllib.request.urlopen(request, timeout=30)
        assert first.value.code == 503
        first.value.read()
        first.value.close()
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=30)
        elapsed = time.monotonic() - started
        result, check_elapsed = healthcheck(port)
    finally:
        web.terminate()
        web.wait(timeout=40)

    assert answer.value.code == 503
    assert elapsed < 3, f"/healthz took {elapsed:.1f} s"
    assert '"database": "error: OperationalError"' in answer.value.read().decode()
    assert result.returncode == 1
    assert result.stdout.startswith("503")
    assert check_elapsed < 5


def test_the_wsgi_module_imports_every_view_while_the_worker_boots():
    """A new gunicorn worker imports the views when it loads the application, so its first request
    (often the health check) does not pay for them."""
    code = ("import sys, config.wsgi; "
            "print(all(m in sys.modules for m in ('petitions.views.staff', 'plans.views', 'sessions.views')))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr
