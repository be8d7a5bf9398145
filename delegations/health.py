"""The health check behind /healthz: is the database answering, is the broker answering.

Each check opens its own short-lived connection with short timeouts, so a database or a broker that
accepts TCP connections but never answers (a frozen server, a full backlog, a half-open link) is
reported as down within ``HEALTHZ_TIMEOUT_SECONDS`` instead of holding the request until gunicorn
kills the worker. The two checks run side by side, and the whole check gives up after the timeout
plus a small margin whatever hangs, so /healthz answers within about 2.5 s by default.
"""
import copy
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import connections
from django.db.utils import load_backend

from config.celery import app as celery_app

OK = "ok"
# What the whole check may take beyond each part's own timeout (threads starting, the JSON).
MARGIN_SECONDS = 0.5


def timeout_seconds():
    """Each part's timeout in seconds (float), from the HEALTHZ_TIMEOUT_SECONDS setting (default 2)."""
    return float(getattr(settings, "HEALTHZ_TIMEOUT_SECONDS", 2))


def failure(error):
    """The state reported for a part that failed: "error: <exception class>" (no details leak out)."""
    return f"error: {error.__class__.__name__}"


def database_settings(timeout):
    """A copy of the default database's settings with the health check's timeouts added.

    PostgreSQL: libpq's ``connect_timeout`` (whole seconds, at least 2, as libpq enforces) and a
    server-side ``statement_timeout`` in ms; SQLite: the lock wait. The application's own
    connections keep their settings."""
    config = copy.deepcopy(connections["default"].settings_dict)
    options = config.setdefault("OPTIONS", {})
    config["CONN_MAX_AGE"] = 0
    config["CONN_HEALTH_CHECKS"] = False
    vendor = load_backend(config["ENGINE"]).DatabaseWrapper.vendor
    if vendor == "postgresql":
        options.pop("pool", None)  # one connection, opened and closed here, not a pool
        options["connect_timeout"] = max(2, int(timeout))
        statement = f"-c statement_timeout={int(timeout * 1000)}"
        options["options"] = f"{options.get('options', '')} {statement}".strip()
    elif vendor == "sqlite":
        options["timeout"] = timeout
    return config


def database_state(timeout):
    """"ok" when ``SELECT 1`` answers on a new connection within ``timeout`` seconds, else "error: …"."""
    config = database_settings(timeout)
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias="healthz")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return OK
    except Exception as error:  # any failure to reach the database is "down", with its class
        return failure(error)
    finally:
        wrapper.close()


def broker_state(timeout):
    """"ok" when the broker accepts a connection within ``timeout`` seconds, else "error: …".

    One attempt, no retries; for Redis the socket's connect and read timeouts bound the PING that
    kombu sends on connecting."""
    transport_options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    try:
        with celery_app.connection_for_write(transport_options=transport_options) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
        return OK
    except Exception as error:  # any failure to reach the broker is "down", with its class
        return failure(error)


CHECKS = {"database": database_state, "broker": broker_state}


def health_report():
    """``{"database": state, "broker": state}``, each "ok" or "error: <reason>"; a part that has not
    answered within the timeout plus a margin is "error: timeout"."""
    timeout = timeout_seconds()
    # Not a `with` block: leaving it would wait for a check that hangs, which is what this avoids.
    executor = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="healthz")
    try:
        futures = {name: executor.submit(check, timeout) for name, check in CHECKS.items()}
        wait(futures.values(), timeout=timeout + MARGIN_SECONDS)
        return {name: future.result() if future.done() else "error: timeout" for name, future in futures.items()}
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
