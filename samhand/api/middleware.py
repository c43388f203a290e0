"""One size limit for the API: a request body larger than the largest message (as base64 in
JSON) is answered with problem details 413 / T99 before it is read, and so is Django's own
"request body too big" when it is raised while a view reads the body.

The limit is derived from SAMHAND_MAX_MESSAGE_BYTES (DATA_UPLOAD_MAX_MEMORY_SIZE in settings);
the decoded document and the XML parser are held to SAMHAND_MAX_MESSAGE_BYTES itself.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig

from samhand.lib.problems import problem

PREFIX = "/api/"


def _too_large():
    limit = settings.SAMHAND_MAX_MESSAGE_BYTES
    return problem(413, "T99", f"request body is larger than allowed for a message of at most {limit} bytes")


class ApiBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(PREFIX):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None and length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return _too_large()
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig) and request.path.startswith(PREFIX):
            return _too_large()
        return None
