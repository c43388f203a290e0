"""Every portal page goes through ``member_view``: logged in, a member of an organisation,
not idle too long. It puts the user's Scope on the request.

Sessions end after SESSION_COOKIE_AGE of inactivity. With SESSION_SAVE_EVERY_REQUEST
each request would renew the session, and the dashboard's live panels poll every
half minute, so an open browser tab would never time out. The last real activity is
therefore kept in the session and checked here; polls (htmx requests carrying the
X-Samhand-Poll header) do not count as activity.
"""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url

from samhand.accounts.scope import scope_for
from samhand.security import twofactor

LAST_ACTIVE = "samhand_last_active"


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def is_poll(request) -> bool:
    return is_htmx(request) and request.headers.get("X-Samhand-Poll") == "1"


def _to_login(request, *, expired: bool = False):
    url = resolve_url(settings.LOGIN_URL)
    target = request.get_full_path() if not is_htmx(request) else (request.headers.get("HX-Current-URL") or "/")
    url = f"{url}?next={quote(target)}" + ("&utlopt=1" if expired else "")
    if is_htmx(request):
        # A partial must not swap a login form into a panel: tell htmx to load the page.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def member_view(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _to_login(request)
        if not twofactor.satisfied(request):  # a session without the second factor never sees a page
            logout(request)
            return _to_login(request)
        now = time.time()
        last = request.session.get(LAST_ACTIVE)
        if last is not None and now - last > settings.SESSION_COOKIE_AGE:
            logout(request)
            return _to_login(request, expired=True)
        request.scope = scope_for(request.user)  # PermissionDenied (403) for a user without organisation
        if not is_poll(request) or last is None:
            request.session[LAST_ACTIVE] = now
        return view(request, *args, **kwargs)

    return wrapper
