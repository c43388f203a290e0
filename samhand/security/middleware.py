"""Request hygiene and security headers.

TrustedProxyMiddleware (first in the chain): REMOTE_ADDR becomes the client address
taken through trusted proxies only (samhand.lib.clientip), so throttling, the metrics
allow-list and logs all see the same client; the peer is kept in SAMHAND_PEER_ADDR.
From an untrusted peer the X-Forwarded-* headers are dropped, so SECURE_PROXY_SSL_HEADER
can never be set by a client talking to the node directly.

SecurityHeadersMiddleware: a Content-Security-Policy without inline script on every
response (the portal has no inline script or style; the admin and the API's own
documentation page keep inline styles, never inline script).
"""

from __future__ import annotations

from django.conf import settings

from samhand.lib.clientip import _networks, client_address, is_trusted

PEER = "SAMHAND_PEER_ADDR"
_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
              "HTTP_X_FORWARDED_PORT", "HTTP_FORWARDED")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
CSP_INLINE_STYLE = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
_INLINE_STYLE_PREFIXES = ("/admin/", "/api/")


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        meta[PEER] = peer
        trusted = tuple(settings.SAMHAND_TRUSTED_PROXIES)
        if trusted and is_trusted(peer, _networks(trusted)):
            meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR", ""), trusted)
        else:
            for name in _FORWARDED:
                meta.pop(name, None)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            inline_style = request.path.startswith(_INLINE_STYLE_PREFIXES)
            response["Content-Security-Policy"] = CSP_INLINE_STYLE if inline_style else CSP
        return response
