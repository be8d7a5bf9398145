"""/healthz: the database and the broker really checked, 200 when both answer, 503 when one does not."""
import socket
import threading
import time

import pytest
from django.db import connections
from django.urls import reverse

from config.celery import app as celery_app
from delegations import health

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def broker_url(monkeypatch):
    """Point the Celery app at another broker for one test, and put the configured one back.

    Celery reads the CELERY_BROKER_URL environment variable before its own setting, so while the
    test runs the variable is removed (monkeypatch restores it) and the setting changed."""
    conf = celery_app.conf
    saved = conf.get("broker_url")

    def point_to(url):
        monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
        conf.broker_url = url
        assert conf.broker_write_url == url

    yield point_to
    conf.broker_url = saved


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_needs_no_login(client, django_user_model):
    assert not django_user_model.objects.exists()
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker(client, broker_url):
    broker_url(UNREACHABLE_BROKER)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


@pytest.mark.django_db
def test_healthz_recovers_when_the_broker_is_back(client, broker_url):
    configured = celery_app.conf.broker_url
    broker_url(UNREACHABLE_BROKER)
    assert client.get(reverse("healthz")).status_code == 503

    broker_url(configured)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def closed_port():
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server():
    """A TCP server on a free port of 127.0.0.1 that accepts every connection and never answers:
    what a frozen PostgreSQL or Redis looks like from outside. Yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []

    def accept_forever():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:  # the listener was closed: the test is over
                return
            held.append(conn)  # kept open, never read from nor written to

    threading.Thread(target=accept_forever, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for conn in held:
        conn.close()


@pytest.fixture
def database_at(monkeypatch):
    """Point the health check's database connection at a PostgreSQL server on another port of
    127.0.0.1, for one test. The check copies the default connection's settings when it runs; the
    test's own connection is already open and is not affected."""
    settings_dict = connections["default"].settings_dict

    def point_to(port):
        for key, value in {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": port,
                           "NAME": "hdnd", "USER": "postgres", "PASSWORD": "", "OPTIONS": {}}.items():
            monkeypatch.setitem(settings_dict, key, value)

    return point_to


def timed_healthz(client):
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_healthz_reports_the_database_down(client, database_at):
    database_at(closed_port())

    response, _ = timed_healthz(client)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "error: OperationalError"
    assert body["broker"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_503_within_3_s_when_the_database_accepts_but_never_answers(
        client, database_at, silent_server):
    database_at(silent_server)

    response, elapsed = timed_healthz(client)

    assert elapsed < 3, f"/healthz took {elapsed:.1f} s"
    assert response.status_code == 503
    body = response.json()
    assert body["database"].startswith("error")
    assert body["broker"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_503_within_3_s_when_the_broker_accepts_but_never_answers(
        client, broker_url, silent_server):
    broker_url(f"redis://127.0.0.1:{silent_server}/0")

    response, elapsed = timed_healthz(client)

    assert elapsed < 3, f"/healthz took {elapsed:.1f} s"
    assert response.status_code == 503
    body = response.json()
    assert body["broker"].startswith("error")
    assert body["database"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_within_3_s_when_both_hang(client, database_at, broker_url, silent_server):
    database_at(silent_server)
    broker_url(f"redis://127.0.0.1:{silent_server}/0")

    response, elapsed = timed_healthz(client)

    assert elapsed < 3, f"/healthz took {elapsed:.1f} s"
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error: OperationalError",
                                "broker": "error: OperationalError"}


def test_healthz_gives_up_on_a_check_that_hangs_beyond_its_own_timeouts(monkeypatch, settings):
    """Whatever a driver does with its timeouts, the report comes back after the timeout plus a margin."""
    settings.HEALTHZ_TIMEOUT_SECONDS = 0.5
    release = threading.Event()
    monkeypatch.setitem(health.CHECKS, "database", lambda timeout: release.wait(10) and "ok")
    monkeypatch.setitem(health.CHECKS, "broker", lambda timeout: "ok")

    started = time.monotonic()
    report = health.health_report()
    elapsed = time.monotonic() - started
    release.set()

    assert report == {"database": "error: timeout", "broker": "ok"}
    assert elapsed < 0.5 + health.MARGIN_SECONDS + 0.5


def test_the_health_check_connection_has_timeouts_and_the_application_keeps_its_settings():
    config = health.database_settings(2)
    own = connections["default"].settings_dict
    if connections["default"].vendor == "postgresql":
        assert config["OPTIONS"]["connect_timeout"] == 2
        assert "statement_timeout=2000" in config["OPTIONS"]["options"]
        assert "statement_timeout" not in own["OPTIONS"].get("options", "")
    else:
        assert config["OPTIONS"]["timeout"] == 2
    assert config["CONN_MAX_AGE"] == 0
    assert own is not config


def test_postgresql_connections_get_a_connect_timeout():
    from config.settings.base import sqlite_or_url

    assert sqlite_or_url("postgres://u@db:5432/hdnd")["OPTIONS"]["connect_timeout"] == 5
    assert sqlite_or_url("postgres://u@db:5432/hdnd?connect_timeout=9")["OPTIONS"]["connect_timeout"] == 9
