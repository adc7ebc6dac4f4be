"""Language selection: zh-Hans unless the user explicitly chose another language.

Django's LocaleMiddleware follows the browser's Accept-Language, so a township
PC with an English browser would get a half-translated page. Here the choice
is explicit: the language cookie written by ``/i18n/setlang/`` (the language
switch), else ``settings.LANGUAGE_CODE``.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


class ExplicitLanguageMiddleware(MiddlewareMixin):
    def process_request(self, request: HttpRequest) -> None:
        supported = {code for code, _ in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
