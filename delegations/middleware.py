from django.conf import settings
from django.utils import translation


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
