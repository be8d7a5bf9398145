"""Development on one machine: SQLite and the filesystem broker under var/, debug on."""
import os

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "local-development-only-not-secret"
ALLOWED_HOSTS = ["*"]
for folder in ("celery/out", "celery/processed", "celery/control", "media"):
    (VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
DEMO_DATA_ALLOWED = True
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
