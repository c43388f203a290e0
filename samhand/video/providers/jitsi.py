"""Jitsi Meet with JWT authentication (prosody ``authentication = "token"``).

Every participant gets a token of their own, signed HS256 with the app secret the Jitsi server
shares (``app_id``/``app_secret`` in prosody). Claims (lib-jitsi-meet doc/tokens.md):
``iss`` = app id, ``aud`` = the audience the server expects, ``sub`` = the Jitsi domain,
``room`` = the meeting's random room name (a token opens that room only), ``nbf``/``exp`` = the
booked slot (no token outlives the meeting), ``context.user`` = name, e-mail and affiliation.
Only the host is moderator (``moderator``, affiliation ``owner``, read by token_moderation /
token_affiliation); everyone else has affiliation ``member`` and waits in the lobby
(``lobby: true`` for token_lobby_ondemand; ``features.lobby_bypass`` only for the host).
Recording and live streaming are off for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import jwt

from . import Guest, ProviderNotConfigured, Slot

ALGORITHM = "HS256"


@dataclass(frozen=True)
class JitsiProvider:
    base_url: str
    app_id: str
    secret: str
    audience: str = "jitsi"
    name: str = "jitsi"

    @classmethod
    def from_settings(cls) -> "JitsiProvider":
        from django.conf import settings

        url, app_id, secret = (settings.SAMHAND_VIDEO_URL, settings.SAMHAND_VIDEO_APP_ID,
                               settings.SAMHAND_VIDEO_SECRET)
        if not (url and app_id and secret):
            raise ProviderNotConfigured(
                "SAMHAND_VIDEO_URL, SAMHAND_VIDEO_APP_ID and SAMHAND_VIDEO_SECRET must be set to issue video links")
        return cls(base_url=url.rstrip("/"), app_id=app_id, secret=secret, audience=settings.SAMHAND_VIDEO_AUDIENCE)

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def claims(self, slot: Slot, guest: Guest) -> dict:
        host = guest.is_host
        return {
            "iss": self.app_id,
            "aud": self.audience,
            "sub": self.domain,
            "room": slot.room_name,
            "nbf": int(slot.start.timestamp()),
            "exp": int(slot.end.timestamp()),
            "moderator": host,
            "lobby": not host,
            "context": {
                "user": {"id": guest.id, "name": guest.name, "email": guest.email,
                         "affiliation": "owner" if host else "member", "moderator": host,
                         "organisation": guest.organisation},
                "features": {"lobby_bypass": host, "recording": False, "livestreaming": False,
                             "transcription": False},
            },
        }

    def token(self, slot: Slot, guest: Guest) -> str:
        if not self.secret:
            raise ProviderNotConfigured("no Jitsi secret")
        return jwt.encode(self.claims(slot, guest), self.secret, algorithm=ALGORITHM)

    def link(self, slot: Slot, guest: Guest) -> str:
        return f"{self.base_url}/{quote(slot.room_name)}?jwt={self.token(slot, guest)}"

    def verify(self, token: str) -> dict:
        """The claims of a token this provider issued (signature, audience and issuer checked)."""
        return jwt.decode(token, self.secret, algorithms=[ALGORITHM], audience=self.audience, issuer=self.app_id)
