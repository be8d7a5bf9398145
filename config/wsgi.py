import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Import every view now, while the worker boots, not in its first request: otherwise the first
# /healthz a new worker serves spends seconds importing and can miss the health check's 3 s.
from django.urls import get_resolver  # noqa: E402

_views = get_resolver().url_patterns  # resolving the URLconf imports every view module
