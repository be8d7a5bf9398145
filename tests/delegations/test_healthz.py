"""/healthz: the database and the broker really checked, 200 when both answer, 503 when one does not."""
import pytest
from django.db import OperationalError, connections
from django.urls import reverse

from config.celery import app as celery_app

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


@pytest.mark.django_db
def test_healthz_reports_the_database_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # An attribute on this connection object only; removed again after the test.
    monkeypatch.setitem(connections["default"].__dict__, "cursor", refuse)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "error: OperationalError"
    assert body["broker"] == "ok"
