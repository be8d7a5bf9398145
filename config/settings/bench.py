"""The province-scale benchmark (`make bench`, `manage.py bench_province`): production-like (debug off,
persistent database connections, whitenoise) on the PostgreSQL database BENCH_DATABASE_URL names, with
a known secret key and hosts limited to the loopback. Never for a real deployment."""
import os

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, MIDDLEWARE, VAR_DIR, sqlite_or_url

BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hdnd_bench")
DATABASES = {"default": sqlite_or_url(BENCH_DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

SECRET_KEY = "benchmark-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
# Static files come from the app folders through whitenoise; the pages measured only link to them.
WHITENOISE_USE_FINDERS = True
# The bench's own URL (a bare view, the floor of every figure) beside the project's, and the time the
# application spent on each request in a Server-Timing header.
# The benchmark's commands (bench_province, bench_report, bench_plan_render) exist under these settings only.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.timing.ServerTimingMiddleware", *MIDDLEWARE]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False
# Tasks the measured code queues (e-mails of the deadline sweep) go to a folder of their own, emptied by
# the bench; no worker runs during the measurement.
CELERY_BROKER_URL = "filesystem://"
BENCH_CELERY_DIR = VAR_DIR / "bench" / "celery"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(BENCH_CELERY_DIR / "out"),
    "data_folder_out": str(BENCH_CELERY_DIR / "out"),
    "processed_folder": str(BENCH_CELERY_DIR / "processed"),
    "control_folder": str(BENCH_CELERY_DIR / "control"),
    "store_processed": False,
}
for folder in ("out", "processed", "control"):
    (BENCH_CELERY_DIR / folder).mkdir(parents=True, exist_ok=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
