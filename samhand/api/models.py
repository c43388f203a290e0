"""API clients: one key per EPR system, bound to the HER-ids it may act for."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

from django.conf import settings

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "shk_"
# What a key may do: "messages" (the message API; also asks the access broker for a named
# clinician), "privacy" (the holder's privacy work: access reports, blocks, audit export).
SCOPES = ("messages", "privacy")


def hash_key(raw: str) -> str:
    # Keys are 256-bit random tokens, so a plain SHA-256 is not brute-forceable;
    # a slow password hash would only cost latency on every API call.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiClient(models.Model):
    system = models.CharField(_("system"), max_length=200)
    key_hash = models.CharField(max_length=64, unique=True)
    key_hint = models.CharField(max_length=12, help_text=_("De første tegnene i nøkkelen, for gjenkjenning."))
    parties = models.ManyToManyField("directory.CommunicationParty", related_name="api_clients")
    active = models.BooleanField(default=True)
    scopes = models.CharField(_("tilganger"), max_length=200, default="messages",
                              help_text=_("Kommaseparert: messages, privacy."))
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API-klient")
        verbose_name_plural = _("API-klienter")

    def __str__(self) -> str:
        return f"{self.system} ({self.key_hint}…)"

    @classmethod
    def issue(cls, system: str, parties, scopes=("messages",)) -> tuple["ApiClient", str]:
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown or not scopes:
            raise ValueError(f"unknown scope(s): {', '.join(unknown) or '(none given)'}")
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        client = cls.objects.create(system=system, key_hash=hash_key(raw), key_hint=raw[:10],
                                    scopes=",".join(s for s in SCOPES if s in scopes))
        client.parties.set(parties)
        return client, raw

    @classmethod
    def authenticate(cls, raw: str) -> "ApiClient | None":
        if not raw.startswith(KEY_PREFIX):
            return None
        key_hash = hash_key(raw)
        # The hot path asks for the same key on every request: remember a valid key (with its
        # HER-ids) for SAMHAND_API_KEY_CACHE_SECONDS. A key revoked elsewhere stops working
        # within that many seconds; unknown or revoked keys are never remembered.
        ttl = getattr(settings, "SAMHAND_API_KEY_CACHE_SECONDS", 5)
        if ttl > 0:
            with _cache_lock:
                hit = _cache.get(key_hash)
            if hit is not None and time.monotonic() < hit[0]:
                return hit[1]
        client = cls._authenticate_uncached(key_hash)
        if client is not None and ttl > 0:
            client.her_ids()  # loaded once, with the key
            with _cache_lock:
                if len(_cache) > 10_000:
                    _cache.clear()
                _cache[key_hash] = (time.monotonic() + ttl, client)
        return client

    @classmethod
    def _authenticate_uncached(cls, key_hash: str) -> "ApiClient | None":
        client = cls.objects.filter(key_hash=key_hash, active=True).first()
        if client is not None:
            now = timezone.now()
            # Write at most once a minute: the hot path must not update a row per call.
            if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
                cls.objects.filter(pk=client.pk).update(last_used_at=now)
        return client

    def revoke(self) -> None:
        """Revoke the key: at once in this process, within SAMHAND_API_KEY_CACHE_SECONDS elsewhere."""
        type(self).objects.filter(pk=self.pk).update(active=False)
        self.active = False
        forget_keys()

    def her_ids(self) -> set[str]:
        # Asked several times per request; the binding does not change within one.
        if not hasattr(self, "_her_ids"):
            self._her_ids = set(self.parties.values_list("her_id", flat=True))
        return set(self._her_ids)

    def has_scope(self, scope: str) -> bool:
        return scope in {s.strip() for s in self.scopes.split(",")}


_cache: dict[str, tuple[float, ApiClient]] = {}
_cache_lock = threading.Lock()


def forget_keys() -> None:
    """Drop this process's remembered keys (after a revocation or a change of a key's parties)."""
    with _cache_lock:
        _cache.clear()
