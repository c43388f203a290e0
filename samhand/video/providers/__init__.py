"""Meeting providers: who hosts the video room and how a participant is let in.

A provider turns a booked meeting and one participant into that participant's personal link. The
interface is small on purpose, so that a second provider (e.g. the national virtual meeting rooms)
is one more module here, registered in ``PROVIDERS``, not a rewrite of the meetings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class ProviderNotConfigured(Exception):
    """The provider lacks its URL, app id or secret: no link is issued (fail closed)."""


@dataclass(frozen=True)
class Slot:
    room_name: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Guest:
    """What the provider needs to know about one participant."""
    id: str
    name: str
    email: str
    role: str  # Participant.Role value
    organisation: str  # the organisation's name, "" for patients and relatives

    @property
    def is_host(self) -> bool:
        return self.role == "host"


class Provider(Protocol):
    name: str

    def link(self, slot: Slot, guest: Guest) -> str:
        """The participant's own URL into the room, valid for the slot only."""


def get_provider(name: str | None = None) -> Provider:
    from django.conf import settings

    from . import jitsi

    providers = {"jitsi": jitsi.JitsiProvider}
    name = name or settings.SAMHAND_VIDEO_PROVIDER
    try:
        factory = providers[name]
    except KeyError:
        raise ProviderNotConfigured(f"unknown video provider {name!r}") from None
    return factory.from_settings()
