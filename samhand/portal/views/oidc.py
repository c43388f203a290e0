"""OpenID Connect sign-in (samhand.security.oidc): send the browser to the provider, and take it back."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from samhand.accounts.throttle import client_ip

from samhand.security import oidc, twofactor

from ..decorators import LAST_ACTIVE

log = logging.getLogger("samhand.security.oidc")
FLOW_SECONDS = 600


def _redirect_uri(request) -> str:
    return settings.SAMHAND_OIDC_REDIRECT_URL or request.build_absolute_uri(reverse("portal:oidc_callback"))


def _safe_next(request, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return value
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@require_GET
def oidc_login(request):
    if not oidc.enabled():
        raise Http404
    try:
        url, flow = oidc.authorization_url(_redirect_uri(request), _safe_next(request, request.GET.get("next", "")))
    except Exception as exc:  # noqa: BLE001 - the provider is down or misconfigured: say so, log why
        log.error("OIDC provider unavailable: %s", exc)
        request.session[oidc.ERROR] = _("HelseID svarer ikke nå. Prøv igjen senere.")
        return redirect(settings.LOGIN_URL)
    request.session[oidc.FLOW] = flow
    return redirect(url)


@never_cache
@require_GET
def oidc_callback(request):
    if not oidc.enabled():
        raise Http404
    flow = request.session.pop(oidc.FLOW, None)
    try:
        if not flow or time.time() - flow.get("at", 0) > FLOW_SECONDS:
            raise oidc.OidcError("no sign-in under way in this session (or it took too long)")
        if not constant_time_compare(request.GET.get("state", ""), flow["state"]):
            raise oidc.OidcError("state does not match")
        if request.GET.get("error"):
            raise oidc.OidcError(f"provider answered {request.GET.get('error')}: "
                                 f"{request.GET.get('error_description', '')[:200]}")
        code = request.GET.get("code", "")
        if not code:
            raise oidc.OidcError("no authorization code")
        tokens = oidc.exchange_code(code, _redirect_uri(request), flow["verifier"])
        claims = oidc.verify_id_token(tokens.get("id_token") or "", flow["nonce"])
        identity = oidc.identity_from(claims)
        user = oidc.user_for(identity)
    except oidc.OidcError as exc:
        log.warning("OIDC sign-in refused from %s: %s", client_ip(request), exc)
        request.session[oidc.ERROR] = _("Innlogging med HelseID ble avvist. Kontakt administrator hvis du "
                                        "skal ha tilgang.")
        return redirect(settings.LOGIN_URL)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[twofactor.STRONG] = "oidc"
    request.session[LAST_ACTIVE] = time.time()
    log.info("OIDC sign-in: user=%s hpr=%s org=%s from %s", user.get_username(), identity.hpr_number or "-",
             identity.org_number, client_ip(request))
    return redirect(flow.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
