"""The debug page and error e-mails never show a URL's credentials (amqp://user:pass@…)."""

from __future__ import annotations

import re

from django.views.debug import SafeExceptionReporterFilter

_URL_WITH_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s@]*:[^/\s@]*@", re.IGNORECASE)


def has_credentials(value) -> bool:
    return isinstance(value, str) and bool(_URL_WITH_CREDENTIALS.search(value))


class CredentialMaskingFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        r"API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|AMQP_URL|PRIVATE", flags=re.IGNORECASE)

    def cleanse_setting(self, key, value):
        if has_credentials(value):
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)

    def get_safe_request_meta(self, request):
        return {k: self.cleansed_substitute if has_credentials(v) else v
                for k, v in super().get_safe_request_meta(request).items()}
