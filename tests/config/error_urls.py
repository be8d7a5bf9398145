"""The site's URLs and error handlers (imported from config.urls), plus views that fail on purpose."""
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404
from django.urls import path

from config.urls import handler500  # noqa: F401 (Django looks the handler up in the root URLconf)
from config.urls import urlpatterns as site_urlpatterns


def bad_request(request):
    raise SuspiciousOperation("malformed")


def forbidden(request):
    raise PermissionDenied


def forbidden_with_reason(request):
    raise PermissionDenied("Chỉ Văn phòng ban hành văn bản.")


def not_found(request):
    raise Http404("no such thing")


def crash(request):
    raise RuntimeError("boom")


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    *site_urlpatterns,
    path("__fail__/400", bad_request),
    path("__fail__/403", forbidden),
    path("__fail__/403-reason", forbidden_with_reason),
    path("__fail__/404", not_found),
    path("__fail__/500", crash),
    path("__fail__/db", database_gone),
]
