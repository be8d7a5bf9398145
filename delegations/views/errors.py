"""Error pages that must render when nothing else works: no database, no session, no user.

400, 403 and 404 are Django's own views rendering templates/400.html, 403.html and 404.html in the
site's layout (base.html); 403_csrf.html is Django's CSRF failure page. The 500 and 503 pages use
templates/errors/standalone.html, which needs neither the database nor a context processor.
"""
import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# What "the database is unavailable" looks like from the ORM: it refuses or drops the connection,
# a statement or connect timeout, a lock wait on SQLite ("database is locked").
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 60

PLAIN_500 = "<!doctype html><title>500</title><h1>Đã xảy ra lỗi (500)</h1><p><a href=\"/\">Về trang chủ</a></p>"
PLAIN_503 = ("<!doctype html><title>503</title><h1>Hệ thống tạm thời gián đoạn (503)</h1>"
             "<p>Vui lòng thử lại sau ít phút.</p><p><a href=\"/\">Về trang chủ</a></p>")


def render_standalone(template_name, fallback):
    """The template rendered with no request (so no context processor runs, nothing reads the
    database or the session); ``fallback`` (plain HTML) if even that fails."""
    try:
        return render_to_string(template_name)
    except Exception:  # the error page must not fail in its turn
        logger.exception("Could not render %s", template_name)
        return fallback


def database_unavailable_response():
    """503 with templates/503.html and ``Retry-After: 60`` (seconds)."""
    response = HttpResponse(render_standalone("503.html", PLAIN_503), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    """handler500: templates/500.html, without the database or the user. Called while Django
    handles the exception, so ``sys.exc_info()`` is the error: a database that cannot be reached,
    raised anywhere (in a middleware saving the session too), gets the 503 page instead."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        return database_unavailable_response()
    return HttpResponseServerError(render_standalone("500.html", PLAIN_500))
