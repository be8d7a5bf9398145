import logging

from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils import translation
from django.utils.translation import gettext as _

from .text import text_clean
from .views.errors import DATABASE_UNAVAILABLE, database_unavailable_response

logger = logging.getLogger(__name__)


class InterfaceLanguageMiddleware:
    """Vietnamese unless the user chose English with the switch (the language cookie): offices'
    browsers are often set to English, and the browser's Accept-Language must not decide."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class NullCharacterMiddleware:
    """Text is checked at the door: a NUL character, which no one types and PostgreSQL refuses in
    text, in any value a form posts makes the request a 400 (the Vietnamese page), whether or not
    the view reads that value through a form. (A page's URL filters are read by QueryForms, which
    leave such a value out with a message.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and any(
                "\x00" in key or any("\x00" in value for value in values) for key, values in request.POST.lists()):
            raise BadRequest(_("The form holds a NUL character, which no text may contain."))
        return self.get_response(request)


class TextAtTheDoorMiddleware:
    """Every value a form posts is cleaned once (`text_clean`: NFC, no zero-width characters or
    byte-order marks, plain spaces) before any view reads it, including the notes some views read
    straight from the request; forms then also collapse the spaces of their one-line fields.
    Passwords are left exactly as typed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            cleaned, changed = request.POST.copy(), False
            for key, values in request.POST.lists():
                if "password" in key:
                    continue
                new = [text_clean(value, single_line=False) for value in values]
                if new != values:
                    cleaned.setlist(key, new)
                    changed = True
            if changed:
                cleaned._mutable = False
                request.POST = cleaned
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view that finds the database unreachable answers 503 with the Vietnamese page (and
    ``Retry-After``), not a 500: the request may succeed a minute later. With DEBUG on the error
    goes on to Django's debug page. Errors raised outside views reach the same page through
    handler500 (delegations.views.errors.server_error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG or not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response()
