"""Norwegian bokmål for everyone unless they chose otherwise.

Every user of the portal is Norwegian, but many browsers send ``Accept-Language: en``; Django's
LocaleMiddleware would then show an English portal. This middleware runs after it and keeps only
an explicit choice (the language cookie set by the language selector); otherwise bokmål.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


class NorwegianFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.known = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.known else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
