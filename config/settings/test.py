"""Tests: SQLite in a file (a Celery worker thread must see the rows) unless DATABASE_URL is set."""
import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="hdnd-media-"))
LANGUAGE_CODE = "vi"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# A test that needs a worker starts a real one; the others never reach the broker.
CELERY_TASK_ALWAYS_EAGER = False
DEMO_DATA_ALLOWED = True
# Tests that travel days ahead (time_machine) keep their logged-in client, and query-counting tests
# never catch the once-a-minute session write; tests/config/test_security.py sets the real idle
# timeout (base.py) back where it checks it.
SESSION_COOKIE_AGE = 14 * 24 * 3600
SESSION_IDLE_REFRESH_SECONDS = 600
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
for folder in ("celery/out", "celery/processed", "celery/control"):
    (VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
